// DeleteRecords v0–2 (KIP-107): moves a partition's log start offset up, so records below it are no longer
// served (fetches below it get OFFSET_OUT_OF_RANGE, ListOffsets EARLIEST returns it) and whole segments
// below it are deleted. As in Kafka: offset -1 means the high watermark, an offset above the high
// watermark or below -1 is OFFSET_OUT_OF_RANGE, one below the current start changes nothing, and a topic
// whose cleanup.policy does not include delete is POLICY_VIOLATION. The answer comes once the new start
// is durable. v1 no change, v2 flexible.
import { ErrorCode } from '../error-codes.ts';
import { deleteRecordsBefore } from '../log/log-start-offset.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

const HIGH_WATERMARK = -1n;

export const deleteRecordsHandler = defineHandler({
  apiKey: 21,
  async handle(request, context) {
    const { state } = context;
    const topics = [];
    for (const t of request.topics) {
      const authorized = may(context, AclOperation.DELETE, ResourceType.TOPIC, t.name);
      const info = authorized ? state.logs.getTopic(t.name) : undefined;
      const partitions = [];
      for (const p of t.partitions) {
        const result = (errorCode: number, lowWatermark = -1) => ({
          partitionIndex: p.partitionIndex,
          lowWatermark: BigInt(lowWatermark),
          errorCode,
        });
        const log = info ? state.logs.partition(t.name, p.partitionIndex) : undefined;
        if (!authorized) {
          partitions.push(result(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        if (!info || !log) {
          partitions.push(result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        if (!(info.configs['cleanup.policy'] ?? 'delete').split(',').includes('delete')) {
          partitions.push(result(ErrorCode.POLICY_VIOLATION));
          continue;
        }
        if (log.offline) {
          partitions.push(result(ErrorCode.KAFKA_STORAGE_ERROR));
          continue;
        }
        const hw = log.highWatermark;
        const offset = p.offset === HIGH_WATERMARK ? hw : Number(p.offset);
        if (offset < 0 || offset > hw) {
          partitions.push(result(ErrorCode.OFFSET_OUT_OF_RANGE));
          continue;
        }
        try {
          const lowWatermark = await deleteRecordsBefore(state.logs.fs, log, offset);
          partitions.push(result(ErrorCode.NONE, lowWatermark));
        } catch (err) {
          state.logger.error({ err, topic: t.name, partition: p.partitionIndex }, 'DeleteRecords failed');
          partitions.push(result(ErrorCode.KAFKA_STORAGE_ERROR));
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
