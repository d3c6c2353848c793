// CreateTopics v0–7. One node, so the replication factor must be 1 (or -1, "broker default", v4+ KIP-464)
// and manual assignments may only name this node. v1 added validateOnly and errorMessage, v4 defaults for
// numPartitions/replicationFactor, v5 flexible and the resulting config (KIP-525), v7 topicId (KIP-516).
// Differs from Kafka: topics over the broker's maxPartitionsPerTopic get INVALID_PARTITIONS, and those that
// would take it over maxPartitionsPerBroker POLICY_VIOLATION, each with a message naming the limit.
import { ErrorCode } from '../error-codes.ts';
import { LogError, validateTopicName } from '../log/index.ts';
import { isCreatableTopicConfig } from '../log/topic-configs.ts';
import { PartitionLimitError } from '../partition-limits.ts';
import { mayCreateTopic } from '../security/access.ts';
import { defineHandler } from './handler.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const LOG_ERROR_CODES: Record<string, number> = {
  TOPIC_ALREADY_EXISTS: ErrorCode.TOPIC_ALREADY_EXISTS,
  INVALID_TOPIC_NAME: ErrorCode.INVALID_TOPIC_EXCEPTION,
  INVALID_PARTITIONS: ErrorCode.INVALID_PARTITIONS,
  INVALID_CONFIG: ErrorCode.INVALID_CONFIG,
};

export const createTopicsHandler = defineHandler({
  apiKey: 19,
  async handle(request, context) {
    const { state } = context;
    const seen = new Map<string, number>();
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const topics = [];
    for (const t of request.topics) {
      const result = (errorCode: number, errorMessage: string | null, extra: object = {}) => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage,
        topicConfigErrorCode: 0,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
        ...extra,
      });
      const partitions = t.numPartitions === -1 ? state.config.defaultPartitions : t.numPartitions;
      const configs: Record<string, string> = {};
      const badConfig = t.configs.find((c) => !isCreatableTopicConfig(c.name) || c.value === null);
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const nameError = validateTopicName(t.name);
      if (!mayCreateTopic(context, t.name)) {
        topics.push(
          result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to create topic '${t.name}'`),
        );
      } else if ((seen.get(t.name) ?? 0) > 1) {
        topics.push(
          result(ErrorCode.INVALID_REQUEST, `topic ${t.name} appears more than once in the request`),
        );
      } else if (nameError !== null) {
        topics.push(result(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError));
      } else if (state.logs.getTopic(t.name)) {
        topics.push(result(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`));
      } else if (t.replicationFactor !== -1 && t.replicationFactor !== 1 && t.assignments.length === 0) {
        topics.push(
          result(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            `replication factor ${t.replicationFactor} > 1 broker`,
          ),
        );
      } else if (t.assignments.some((a) => a.brokerIds.some((id) => id !== state.config.nodeId))) {
        topics.push(
          result(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `only broker ${state.config.nodeId} exists`),
        );
      } else if (t.assignments.length === 0 && partitions < 1) {
        topics.push(result(ErrorCode.INVALID_PARTITIONS, `invalid partition count ${t.numPartitions}`));
      } else if (badConfig) {
        topics.push(result(ErrorCode.INVALID_CONFIG, `unsupported or null config '${badConfig.name}'`));
      } else {
        const count = t.assignments.length > 0 ? t.assignments.length : partitions;
        const overLimit = state.partitionLimits.check(count, count);
        if (overLimit) {
          topics.push(result(overLimit.errorCode, overLimit.message));
          continue;
        }
        if (request.validateOnly) {
          topics.push(result(0, null, { numPartitions: count, replicationFactor: 1, configs: [] }));
          continue;
        }
        try {
          const info = await state.createTopic(t.name, count, configs);
          state.logger.info({ topic: t.name, partitions: count }, 'topic created');
          topics.push(
            result(0, null, {
              topicId: info.topicId,
              numPartitions: count,
              replicationFactor: 1,
              configs: [],
            }),
          );
        } catch (err: unknown) {
          // A creation running on another connection may have taken the last partitions meanwhile.
          if (err instanceof PartitionLimitError) topics.push(result(err.errorCode, err.message));
          else if (err instanceof LogError)
            topics.push(result(LOG_ERROR_CODES[err.code] ?? ErrorCode.UNKNOWN_SERVER_ERROR, err.message));
          else throw err;
        }
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});
