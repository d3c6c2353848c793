// OffsetFetch v1–7 (single group per request). v2 null topics = all committed offsets and a top-level
// errorCode, v3 throttleTimeMs, v5 committedLeaderEpoch (KIP-320), v6 flexible, v7 requireStable
// (KIP-447; every commit here is stable, as there are no pending transactional offsets).
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, maySee, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  handle(request, context) {
    const { state } = context;
    if (!may(context, AclOperation.DESCRIBE, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groups: [] };
    // Kafka: topics named without DESCRIBE get TOPIC_AUTHORIZATION_FAILED; "all topics" leaves them out.
    const visible = request.topics?.filter((t) =>
      may(context, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name),
    );
    const result = state.groups.fetchOffsets(request.groupId, visible ?? null);
    const refused = (request.topics ?? [])
      .filter((t) => !visible?.includes(t))
      .map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: -1,
          committedLeaderEpoch: -1,
          metadata: null,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        })),
      }));
    const shown = result.topics.filter(
      (t) => visible !== undefined || maySee(context, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name),
    );
    const topics = [...shown, ...refused].map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: BigInt(p.committedOffset),
        committedLeaderEpoch: p.committedLeaderEpoch,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    }));
    return { throttleTimeMs: 0, topics, errorCode: result.errorCode, groups: [] };
  },
});
