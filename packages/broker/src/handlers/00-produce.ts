// Produce v3–11. Batches are stored as the producer sent them (magic 2 only, CRC checked, offsets
// assigned in place, never decompressed), so gzip/snappy/lz4/zstd batches pass straight through.
// acks=0 gets no response, acks=1 is answered once appended, acks=-1 once the flush policy made the
// batch durable (the single node is the whole ISR). v3 added transactionalId (KIP-98), v5 logStartOffset
// (KIP-107), v8 per-record errors (KIP-467), v9 flexible, v10 currentLeader/nodeEndpoints tagged fields
// (KIP-951, left empty: the leader never moves), v11 no change.
// Differs from Kafka: transactional batches are appended but transactions are not coordinated yet.
// The next request of the connection starts once this one's appends are done, before its flush wait.

import { brokerNumber } from '../broker-configs.ts';
import { ErrorCode } from '../error-codes.ts';
import { topicNumber } from '../log/topic-configs.ts';
import { AclOperation, may, mayAutoCreate, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

interface PartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage: string | null;
}

function failure(index: number, errorCode: number, errorMessage: string | null = null): PartitionResult {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
  };
}

export const produceHandler = defineHandler({
  apiKey: 0,
  // The records are written (synchronously, to the page cache) before `applied()`; the response holds
  // none of the request's bytes.
  keepsNothingOnceApplied: true,
  async handle(request, context) {
    const { state, applied } = context;
    const { acks } = request;
    // Kafka's order: the transactional id first (all partitions refused), then WRITE per topic.
    const txnRefused =
      request.transactionalId !== null &&
      !may(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    const durables: { result: PartitionResult; durable: Promise<void> }[] = [];
    const responses = [];
    const now = Date.now();
    for (const topic of request.topicData) {
      const partitionResponses: PartitionResult[] = [];
      const info = !validAcks
        ? { errorCode: ErrorCode.INVALID_REQUIRED_ACKS, message: null }
        : txnRefused
          ? { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, message: null }
          : !may(context, AclOperation.WRITE, ResourceType.TOPIC, topic.name)
            ? { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: null }
            : (state.logs.getTopic(topic.name) ??
              (await state.findOrAutoCreateTopic(topic.name, mayAutoCreate(context, topic.name))));
      for (const p of topic.partitionData) {
        if ('errorCode' in info) {
          partitionResponses.push(failure(p.index, info.errorCode, info.message));
          continue;
        }
        const log = state.logs.partition(topic.name, p.index);
        if (!log) {
          partitionResponses.push(failure(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        if (!p.records || p.records.length === 0) {
          partitionResponses.push(failure(p.index, ErrorCode.INVALID_RECORD, 'no record batch'));
          continue;
        }
        const maxMessageBytes = topicNumber(
          info.configs,
          'max.message.bytes',
          brokerNumber(state.config, state.dynamicConfigs, 'message.max.bytes'),
        );
        if (p.records.length > maxMessageBytes) {
          partitionResponses.push(
            failure(
              p.index,
              ErrorCode.MESSAGE_TOO_LARGE,
              `batch of ${p.records.length} bytes exceeds ${maxMessageBytes}`,
            ),
          );
          continue;
        }
        // The topic's message.timestamp.type wins over the broker's, as in Kafka (and as DescribeConfigs says).
        const timestampType = info.configs['message.timestamp.type'];
        const logAppendTime =
          timestampType === undefined ? state.config.logAppendTime : timestampType === 'LogAppendTime';
        const result = await log.appendBatches(p.records, logAppendTime ? { logAppendTime: now } : {});
        if (result.errorCode !== 0) {
          partitionResponses.push(failure(p.index, result.errorCode, result.errorMessage ?? null));
          continue;
        }
        const done: PartitionResult = {
          index: p.index,
          errorCode: 0,
          baseOffset: BigInt(result.baseOffset),
          logAppendTimeMs: BigInt(result.logAppendTime),
          logStartOffset: BigInt(result.logStartOffset),
          recordErrors: [],
          errorMessage: null,
        };
        if (acks === -1) durables.push({ result: done, durable: result.durable });
        partitionResponses.push(done);
      }
      responses.push({ name: topic.name, partitionResponses });
    }
    // Every append is done: the connection's next request may append while this one waits for its flush.
    applied();
    if (acks === 0) return null;
    // A partition whose flush failed is offline: only its own result turns into KAFKA_STORAGE_ERROR.
    const outcomes = await Promise.allSettled(durables.map((d) => d.durable));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const { result } = durables[i];
      const message = outcome.reason instanceof Error ? outcome.reason.message : 'flush failed';
      Object.assign(result, failure(result.index, ErrorCode.KAFKA_STORAGE_ERROR, message));
    });
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  },
});
