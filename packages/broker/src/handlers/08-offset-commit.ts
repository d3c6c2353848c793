// OffsetCommit v0–9: offsets are durable (journaled and flushed) before the response is sent.
// v0 has no generation or member (a commit outside group management, accepted only while the group has no
// members), v1 adds them and a per-partition commitTimestamp (ignored: offsets expire by the broker's
// clock, as in Kafka since KIP-211; Sarama sends v1 by default), v2 retentionTimeMs (ignored, as Kafka does since KIP-211), v3 throttleTimeMs, v5 drops retention,
// v6 committedLeaderEpoch (KIP-320), v7 groupInstanceId (KIP-345), v8 flexible, v9 no change for the
// classic protocol (generationIdOrMemberEpoch carries the generation).
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const offsetCommitHandler = defineHandler({
  apiKey: 8,
  async handle(request, context) {
    const { state } = context;
    const allFail = (errorCode: number, topics: typeof request.topics) =>
      topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      }));
    // Kafka: READ on the group for the whole request, then READ on each topic.
    if (!may(context, AclOperation.READ, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, topics: allFail(ErrorCode.GROUP_AUTHORIZATION_FAILED, request.topics) };
    const readable = request.topics.filter((t) =>
      may(context, AclOperation.READ, ResourceType.TOPIC, t.name),
    );
    const refused = request.topics.filter((t) => !readable.includes(t));
    const known = readable.filter((t) => state.logs.getTopic(t.name));
    const unknown = readable.filter((t) => !state.logs.getTopic(t.name));
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
      ...allFail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused),
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
