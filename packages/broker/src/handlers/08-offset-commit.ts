// OffsetCommit v2–9: offsets are durable (journaled and flushed) before the response is sent.
// v2 retentionTimeMs (ignored, as Kafka does since KIP-211), v3 throttleTimeMs, v5 drops retention,
// v6 committedLeaderEpoch (KIP-320), v7 groupInstanceId (KIP-345), v8 flexible, v9 no change for the
// classic protocol (generationIdOrMemberEpoch carries the generation).
import { ErrorCode } from '../error-codes.ts';
import { defineHandler } from './handler.ts';

export const offsetCommitHandler = defineHandler({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 9,
  async handle(request, { state }) {
    const known = request.topics.filter((t) => state.logs.getTopic(t.name));
    const unknown = request.topics.filter((t) => !state.logs.getTopic(t.name));
    const committed =
      known.length === 0
        ? []
        : await state.groups.commitOffsets({
            groupId: request.groupId,
            generationId: request.generationIdOrMemberEpoch,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            topics: known.map((t) => ({
              name: t.name,
              partitions: t.partitions.map((p) => ({
                partitionIndex: p.partitionIndex,
                committedOffset: Number(p.committedOffset),
                committedLeaderEpoch: p.committedLeaderEpoch,
                committedMetadata: p.committedMetadata,
              })),
            })),
          });
    const topics = [
      ...committed,
      ...unknown.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    ];
    return { throttleTimeMs: 0, topics };
  },
});
