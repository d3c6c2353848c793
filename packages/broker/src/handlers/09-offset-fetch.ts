// OffsetFetch v1–7 (single group per request). v2 null topics = all committed offsets and a top-level
// errorCode, v3 throttleTimeMs, v5 committedLeaderEpoch (KIP-320), v6 flexible, v7 requireStable
// (KIP-447; every commit here is stable, as there are no pending transactional offsets).
import { defineHandler } from './handler.ts';

export const offsetFetchHandler = defineHandler({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 7,
  handle(request, { state }) {
    const result = state.groups.fetchOffsets(request.groupId, request.topics);
    const topics = result.topics.map((t) => ({
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
