// Consumer groups with their lag: committed offset against the end offset of every partition a group has
// committed to. All groups are described, read and compared with one request of each kind.
import { ConsoleError } from '../errors/console-error.ts';
import type { GroupMemberView, KafkaCluster, PartitionOffsets } from '../kafka/kafka-cluster.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: string | null;
  end: string;
  lag: number;
  /** Member the partition is assigned to now, if any. */
  member: string | null;
}

export interface GroupLag {
  id: string;
  state: string;
  members: number;
  lag: number;
  topics: string[];
}

export interface GroupDetail {
  id: string;
  state: string;
  protocol: string;
  members: GroupMemberView[];
  lag: number;
  partitions: PartitionLag[];
}

export class GroupLagReader {
  readonly #cluster: KafkaCluster;

  constructor(cluster: KafkaCluster) {
    this.#cluster = cluster;
  }

  async #ends(topics: Iterable<string>): Promise<Map<string, PartitionOffsets[]>> {
    const wanted = new Set(topics);
    if (wanted.size === 0) return new Map();
    const metadata = await this.#cluster.metadata([...wanted]);
    const counts = new Map<string, number>();
    for (const [name, topic] of metadata.topics)
      if (wanted.has(name)) counts.set(name, topic.partitionsCount);
    return this.#cluster.offsets(counts);
  }

  /** Every group with its total lag: the home page and the lag view. */
  async all(): Promise<GroupLag[]> {
    const groups = await this.#cluster.groups();
    if (groups.length === 0) return [];
    const ids = groups.map((g) => g.id);
    const [described, committed] = await Promise.all([
      this.#cluster.describeGroups(ids),
      this.#cluster.committed(ids),
    ]);
    const topics = new Set<string>();
    for (const byTopic of committed.values()) for (const topic of byTopic.keys()) topics.add(topic);
    const ends = await this.#ends(topics);
    return groups.map((g) => {
      const byTopic = committed.get(g.id) ?? new Map();
      let lag = 0;
      for (const [topic, partitions] of byTopic) {
        for (const [partition, offset] of partitions) {
          const end = ends.get(topic)?.[partition]?.end;
          if (end !== undefined && offset >= 0n && end > offset) lag += Number(end - offset);
        }
      }
      return {
        id: g.id,
        state: described.get(g.id)?.state ?? g.state,
        members: described.get(g.id)?.members.length ?? 0,
        lag,
        topics: [...byTopic.keys()].sort(),
      };
    });
  }

  async one(id: string): Promise<GroupDetail> {
    const [groups, described, committed] = await Promise.all([
      this.#cluster.groups(),
      this.#cluster.describeGroups([id]),
      this.#cluster.committed([id]),
    ]);
    const group = described.get(id);
    const byTopic = committed.get(id) ?? new Map<string, Map<number, bigint>>();
    if (!groups.some((g) => g.id === id) && byTopic.size === 0) {
      throw new ConsoleError('GROUP_NOT_FOUND', `the cluster has no consumer group ${id}`);
    }
    const owners = new Map<string, string>();
    for (const member of group?.members ?? []) {
      for (const a of member.assignment)
        for (const p of a.partitions) owners.set(`${a.topic}/${p}`, member.id);
    }
    const topics = new Set<string>(byTopic.keys());
    for (const member of group?.members ?? []) for (const a of member.assignment) topics.add(a.topic);
    const ends = await this.#ends(topics);
    const partitions: PartitionLag[] = [];
    for (const topic of [...topics].sort()) {
      for (const p of ends.get(topic) ?? []) {
        const offset = byTopic.get(topic)?.get(p.partition);
        const known = offset !== undefined && offset >= 0n;
        partitions.push({
          topic,
          partition: p.partition,
          committed: known ? String(offset) : null,
          end: String(p.end),
          // A partition never committed is behind by everything it holds.
          lag: Number(p.end - (known ? offset : p.start)),
          member: owners.get(`${topic}/${p.partition}`) ?? null,
        });
      }
    }
    return {
      id,
      state: group?.state ?? 'EMPTY',
      protocol: group?.protocol ?? '',
      members: group?.members ?? [],
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      partitions,
    };
  }
}
