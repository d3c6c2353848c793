// ListOffsets v1–7: earliest (-2), latest (-1), max timestamp (-3, v7, KIP-734) and by timestamp.
// v2 added isolationLevel, v4 currentLeaderEpoch/leaderEpoch (KIP-320), v6 flexible. Without
// transactions yet, "latest" is the high watermark for both isolation levels.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;

export const listOffsetsHandler = defineHandler({
  apiKey: 2,
  async handle(request, context) {
    const { state } = context;
    const topics = [];
    for (const topic of request.topics) {
      const partitions = [];
      const authorized = may(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name);
      for (const p of topic.partitions) {
        const log = authorized ? state.logs.partition(topic.name, p.partitionIndex) : undefined;
        const base = { partitionIndex: p.partitionIndex, oldStyleOffsets: [], leaderEpoch: 0 };
        if (!log) {
          partitions.push({
            ...base,
            errorCode: authorized
              ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
              : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            timestamp: -1n,
            offset: -1n,
          });
          continue;
        }
        if (p.timestamp === LATEST) {
          partitions.push({ ...base, errorCode: 0, timestamp: -1n, offset: BigInt(log.highWatermark) });
        } else if (p.timestamp === EARLIEST) {
          partitions.push({ ...base, errorCode: 0, timestamp: -1n, offset: BigInt(log.logStartOffset) });
        } else if (p.timestamp === MAX_TIMESTAMP) {
          const found = await log.maxTimestampOffset();
          partitions.push({
            ...base,
            errorCode: 0,
            timestamp: BigInt(found?.timestamp ?? -1),
            offset: BigInt(found?.offset ?? -1),
          });
        } else if (p.timestamp < 0n) {
          partitions.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1n, offset: -1n });
        } else {
          const found = await log.offsetForTimestamp(Number(p.timestamp));
          partitions.push({
            ...base,
            errorCode: 0,
            timestamp: BigInt(found?.timestamp ?? -1),
            offset: BigInt(found?.offset ?? -1),
          });
        }
      }
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
