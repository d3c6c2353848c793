// The resources DescribeConfigs, AlterConfigs and IncrementalAlterConfigs name (KIP-133, KIP-339): a topic,
// or this broker. Resolves a resource to what it is, or to the Kafka error a client gets for it, and
// applies a computed change to a topic's config overrides.

import { isBrokerConfig } from './broker-configs.ts';
import type { BrokerState } from './broker-state.ts';
import { ErrorCode } from './error-codes.ts';
import { LogError, type TopicInfo } from './log/index.ts';
import { ConfigChangeError } from './log/topic-config-changes.ts';

/** Kafka's ConfigResource.Type values this broker serves. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;

export interface ResourceError {
  errorCode: number;
  errorMessage: string;
}

export type ConfigResource =
  | { kind: 'topic'; topic: TopicInfo }
  | { kind: 'broker'; clusterDefault: boolean };

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
    if (resourceName === '') return { kind: 'broker', clusterDefault: true };
    if (resourceName !== String(state.config.nodeId))
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `unexpected broker id '${resourceName}': this is broker ${state.config.nodeId}`,
      };
    return { kind: 'broker', clusterDefault: false };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `resource type ${resourceType} is not supported (topics: 2, brokers: 4)`,
  };
}

const OK = { errorCode: ErrorCode.NONE, errorMessage: null };

/**
 * Broker settings come from flags and environment variables at start; none can be changed over the wire.
 * Kafka answers a change of a setting that is not dynamic with INVALID_CONFIG too.
 */
export function refuseBrokerChange(names: string[]): { errorCode: number; errorMessage: string | null } {
  if (names.length === 0) return OK;
  const unknown = names.find((n) => !isBrokerConfig(n));
  if (unknown !== undefined)
    return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `unknown broker config '${unknown}'` };
  return {
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage: `broker configs cannot be changed while the broker runs (${names.join(', ')}); set them at start`,
  };
}

/** Computes a topic's new overrides and, unless validating only, stores them. */
export async function changeTopicConfigs(
  state: BrokerState,
  topic: TopicInfo,
  compute: (current: Readonly<Record<string, string>>) => Record<string, string>,
  validateOnly: boolean,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  let next: Record<string, string>;
  try {
    next = compute(topic.configs);
  } catch (err) {
    if (!(err instanceof ConfigChangeError)) throw err;
    return { errorCode: ErrorCode[err.code], errorMessage: err.message };
  }
  if (validateOnly) return OK;
  try {
    await state.logs.setTopicConfigs(topic.name, next);
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    const errorCode =
      err.code === 'UNKNOWN_TOPIC'
        ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : err.code === 'INVALID_CONFIG'
          ? ErrorCode.INVALID_CONFIG
          : ErrorCode.UNKNOWN_SERVER_ERROR;
    return { errorCode, errorMessage: err.message };
  }
  state.logger.info({ topic: topic.name, configs: next }, 'topic configs changed');
  return OK;
}

/**
 * AlterConfigs and IncrementalAlterConfigs: each resource resolved, broker changes refused, a topic's new
 * overrides computed from its current ones (`compute` throws ConfigChangeError) and stored.
 */
export async function alterConfigResources<C extends { name: string }>(
  state: BrokerState,
  resources: { resourceType: number; resourceName: string; configs: C[] }[],
  validateOnly: boolean,
  compute: (current: Readonly<Record<string, string>>, changes: C[]) => Record<string, string>,
): Promise<{ resourceType: number; resourceName: string; errorCode: number; errorMessage: string | null }[]> {
  const responses = [];
  for (const r of resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    const resource = resolveResource(state, r.resourceType, r.resourceName);
    if ('errorCode' in resource) responses.push({ ...base, ...resource });
    else if (resource.kind === 'broker')
      responses.push({ ...base, ...refuseBrokerChange(r.configs.map((c) => c.name)) });
    else {
      const change = (current: Readonly<Record<string, string>>) => compute(current, r.configs);
      responses.push({ ...base, ...(await changeTopicConfigs(state, resource.topic, change, validateOnly)) });
    }
  }
  return responses;
}
