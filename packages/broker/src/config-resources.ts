// The resources DescribeConfigs, AlterConfigs and IncrementalAlterConfigs name (KIP-133, KIP-339): a topic,
// this broker, or every broker (the cluster-wide default). Resolves a resource to what it is, or to the
// Kafka error a client gets for it, and applies a computed change to a topic's config overrides or to the
// broker's dynamic settings.
import { BROKER_CONFIG_RULES, brokerNumber } from './broker-configs.ts';
import type { BrokerState } from './broker-state.ts';
import type { DynamicScope } from './dynamic-broker-configs.ts';
import { ErrorCode } from './error-codes.ts';
import { ConfigChangeError, type ConfigRules, TOPIC_CONFIG_RULES } from './log/config-changes.ts';
import { LogError, type TopicInfo } from './log/index.ts';
import {
  type AccessContext,
  AclOperation,
  ResourceType as AclResource,
  may,
  mayOnCluster,
} from './security/access.ts';

/** Kafka's ConfigResource.Type values this broker serves. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export interface ResourceError {
  errorCode: number;
  errorMessage: string;
}

export type ConfigResource = { kind: 'topic'; topic: TopicInfo } | { kind: 'broker'; scope: DynamicScope };

/** The topic or broker a (type, name) pair names, or why it cannot be served. */
export function resolveResource(
  state: BrokerState,
  resourceType: number,
  resourceName: string,
): ConfigResource | ResourceError {
  if (resourceType === ResourceType.TOPIC) {
    const topic = state.logs.getTopic(resourceName);
    if (!topic)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `topic '${resourceName}' does not exist`,
      };
    return { kind: 'topic', topic };
  }
  if (resourceType === ResourceType.BROKER) {
    // An empty name is the cluster-wide default; otherwise it must be this broker's id, as in Kafka.
    if (resourceName === '') return { kind: 'broker', scope: 'cluster' };
    if (resourceName !== String(state.config.nodeId))
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `unexpected broker id '${resourceName}': this is broker ${state.config.nodeId}`,
      };
    return { kind: 'broker', scope: 'broker' };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `resource type ${resourceType} is not supported (topics: 2, brokers: 4)`,
  };
}

/**
 * Why the request's principal may not read (DESCRIBE_CONFIGS) or change (ALTER_CONFIGS) a resource's
 * configs, as Kafka answers: TOPIC_AUTHORIZATION_FAILED for a topic, CLUSTER_AUTHORIZATION_FAILED for a
 * broker (whose configs are the cluster's). Undefined when it may.
 */
export function configAccessRefusal(
  context: AccessContext,
  operation: typeof AclOperation.DESCRIBE_CONFIGS | typeof AclOperation.ALTER_CONFIGS,
  resourceType: number,
  resourceName: string,
): ResourceError | undefined {
  if (resourceType === ResourceType.TOPIC) {
    if (may(context, operation, AclResource.TOPIC, resourceName)) return undefined;
    return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'not authorized' };
  }
  if (resourceType === ResourceType.BROKER && !mayOnCluster(context, operation))
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'not authorized' };
  return undefined;
}

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

const OK: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };

function storageFailure(state: BrokerState, err: unknown, what: string): Outcome {
  if (err instanceof LogError && err.code === 'UNKNOWN_TOPIC')
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: err.message };
  if (err instanceof LogError && err.code === 'INVALID_CONFIG')
    return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err.message };
  state.logger.error({ err }, `cannot store ${what}`);
  const cause = err instanceof Error ? err.message : String(err);
  return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `cannot store ${what}: ${cause}` };
}

/** Stores a topic's new overrides. */
async function storeTopicConfigs(state: BrokerState, topic: TopicInfo, next: Record<string, string>) {
  try {
    await state.logs.setTopicConfigs(topic.name, next);
  } catch (err) {
    return storageFailure(state, err, `the configs of topic '${topic.name}'`);
  }
  state.logger.info({ topic: topic.name, configs: next }, 'topic configs changed');
  return OK;
}

/** Stores the broker's new dynamic settings for a scope and applies the resulting topic defaults. */
async function storeBrokerConfigs(state: BrokerState, scope: DynamicScope, next: Record<string, string>) {
  try {
    await state.dynamicConfigs.replace(scope, next);
  } catch (err) {
    return storageFailure(state, err, 'the broker configs');
  }
  const { config, dynamicConfigs } = state;
  state.logs.setBrokerDefaults({
    retentionMs: brokerNumber(config, dynamicConfigs, 'log.retention.ms'),
    retentionBytes: brokerNumber(config, dynamicConfigs, 'log.retention.bytes'),
    segmentBytes: brokerNumber(config, dynamicConfigs, 'log.segment.bytes'),
  });
  state.logger.info({ scope, configs: next }, 'broker configs changed');
  return OK;
}

/**
 * AlterConfigs and IncrementalAlterConfigs: each resource resolved, its new overrides computed from its
 * current ones under its rules (`compute` throws ConfigChangeError), and stored unless validating only.
 */
export async function alterConfigResources<C extends { name: string }>(
  context: AccessContext,
  resources: { resourceType: number; resourceName: string; configs: C[] }[],
  validateOnly: boolean,
  compute: (
    rules: ConfigRules,
    current: Readonly<Record<string, string>>,
    changes: C[],
  ) => Record<string, string>,
): Promise<({ resourceType: number; resourceName: string } & Outcome)[]> {
  const { state } = context;
  const responses = [];
  for (const r of resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    const refusal = configAccessRefusal(context, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
    const resource = refusal ?? resolveResource(state, r.resourceType, r.resourceName);
    if ('errorCode' in resource) {
      responses.push({ ...base, ...resource });
      continue;
    }
    const rules = resource.kind === 'topic' ? TOPIC_CONFIG_RULES : BROKER_CONFIG_RULES;
    const current =
      resource.kind === 'topic' ? resource.topic.configs : state.dynamicConfigs.entries(resource.scope);
    let next: Record<string, string>;
    try {
      next = compute(rules, current, r.configs);
    } catch (err) {
      if (!(err instanceof ConfigChangeError)) throw err;
      responses.push({ ...base, errorCode: ErrorCode[err.code], errorMessage: err.message });
      continue;
    }
    if (validateOnly) responses.push({ ...base, ...OK });
    else if (resource.kind === 'topic')
      responses.push({ ...base, ...(await storeTopicConfigs(state, resource.topic, next)) });
    else responses.push({ ...base, ...(await storeBrokerConfigs(state, resource.scope, next)) });
  }
  return responses;
}
