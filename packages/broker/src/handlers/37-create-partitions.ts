// CreatePartitions v0–3 (KIP-195): adds partitions to a topic; existing ones are untouched, so keyed
// records may map to other partitions afterwards, as in Kafka. One node: a manual assignment must name
// this node only, once per new partition (INVALID_REPLICA_ASSIGNMENT). A count not above the current one
// is INVALID_PARTITIONS with Kafka's message. v1 no change, v2 flexible, v3 may throttle (KIP-599; this
// broker does not throttle). The broker's maxPartitionsPerTopic and maxPartitionsPerBroker apply as in
// CreateTopics.
import { ErrorCode } from '../error-codes.ts';
import { LogError } from '../log/index.ts';
import { PartitionLimitError } from '../partition-limits.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

const LOG_ERROR_CODES: Record<string, number> = {
  UNKNOWN_TOPIC: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  INVALID_PARTITIONS: ErrorCode.INVALID_PARTITIONS,
};

export const createPartitionsHandler = defineHandler({
  apiKey: 37,
  async handle(request, context) {
    const { state } = context;
    const seen = new Map<string, number>();
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results = [];
    for (const t of request.topics) {
      const result = (errorCode: number, errorMessage: string | null = null) => ({
        name: t.name,
        errorCode,
        errorMessage,
      });
      const authorized = may(context, AclOperation.ALTER, ResourceType.TOPIC, t.name);
      const topic = authorized ? state.logs.getTopic(t.name) : undefined;
      const added = topic ? t.count - topic.partitions : 0;
      if ((seen.get(t.name) ?? 0) > 1) {
        results.push(result(ErrorCode.INVALID_REQUEST, `topic '${t.name}' appears more than once`));
      } else if (!authorized) {
        results.push(result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'not authorized to alter the topic'));
      } else if (!topic) {
        results.push(result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${t.name}' does not exist`));
      } else if (added === 0) {
        results.push(
          result(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitions} partitions.`),
        );
      } else if (added < 0) {
        results.push(
          result(
            ErrorCode.INVALID_PARTITIONS,
            `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${t.count}.`,
          ),
        );
      } else if (t.assignments !== null && t.assignments.length !== added) {
        results.push(
          result(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Increasing the number of partitions by ${added} but ${t.assignments.length} assignments provided.`,
          ),
        );
      } else if (
        t.assignments?.some((a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== state.config.nodeId)
      ) {
        results.push(
          result(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `each new partition must have exactly one replica, on broker ${state.config.nodeId}`,
          ),
        );
      } else if (state.partitionLimits.check(t.count, added)) {
        const overLimit = state.partitionLimits.check(t.count, added)!;
        results.push(result(overLimit.errorCode, overLimit.message));
      } else if (request.validateOnly) {
        results.push(result(ErrorCode.NONE));
      } else {
        const from = topic.partitions;
        try {
          await state.partitionLimits.reserve(t.count, added, () =>
            state.logs.addPartitions(t.name, t.count),
          );
          state.logger.info({ topic: t.name, from, to: t.count }, 'partitions added');
          results.push(result(ErrorCode.NONE));
        } catch (err) {
          if (err instanceof PartitionLimitError) {
            results.push(result(err.errorCode, err.message));
            continue;
          }
          if (!(err instanceof LogError)) throw err;
          results.push(result(LOG_ERROR_CODES[err.code] ?? ErrorCode.UNKNOWN_SERVER_ERROR, err.message));
        }
      }
    }
    return { throttleTimeMs: 0, results };
  },
});
