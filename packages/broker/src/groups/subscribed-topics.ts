// The topics a classic group's members subscribe to, read from their "consumer" protocol metadata
// (ConsumerProtocolSubscription: version int16, topics [string], then fields this reader does not need).
// OffsetDelete refuses to delete offsets of a topic the group still consumes (KIP-496), as Kafka does.
import type { ClassicGroup } from './group.ts';

/** The subscribed topics of one member's metadata, or null when it cannot be read. */
export function parseSubscription(metadata: Buffer): string[] | null {
  try {
    if (metadata.length < 6) return null;
    let pos = 2; // version
    const count = metadata.readInt32BE(pos);
    pos += 4;
    if (count < 0) return null;
    const topics: string[] = [];
    for (let i = 0; i < count; i++) {
      const length = metadata.readInt16BE(pos);
      pos += 2;
      if (length < 0 || pos + length > metadata.length) return null;
      topics.push(metadata.toString('utf8', pos, pos + length));
      pos += length;
    }
    return topics;
  } catch {
    return null;
  }
}

/**
 * The topics the group's members consume: empty for a group without members, null (meaning "assume
 * every topic") when the group does not use the consumer protocol or a member's metadata is unreadable.
 */
export function subscribedTopics(group: ClassicGroup): Set<string> | null {
  if (group.members.size === 0) return new Set();
  if (group.protocolType !== 'consumer') return null;
  const topics = new Set<string>();
  for (const member of group.members.values()) {
    const protocol =
      member.protocols.find((p) => p.name === group.protocolName) ?? member.protocols.at(0) ?? null;
    const parsed = protocol ? parseSubscription(protocol.metadata) : null;
    if (parsed === null) return null;
    for (const t of parsed) topics.add(t);
  }
  return topics;
}
