// The broker's settings under their Kafka names, as DescribeConfigs reports them for the BROKER resource
// and as topic configs fall back to them. They come from flags and environment variables at start
// (STATIC_BROKER_CONFIG) or are the defaults (DEFAULT_CONFIG); the topic defaults Kafka lets a client change
// while running (log.retention.ms, log.retention.bytes, log.segment.bytes, message.max.bytes) may be
// overridden dynamically (dynamic-broker-configs.ts), for this broker or cluster-wide. The rest are read-only.
import { type BrokerConfig, BrokerConfigSchema } from './config.ts';
import type { DynamicBrokerConfigs } from './dynamic-broker-configs.ts';
import type { ConfigRules } from './log/config-changes.ts';
import {
  type BrokerSetting,
  ConfigSource,
  ConfigType,
  type ConfigTypeValue,
  type DescribedConfig,
  MIN_SEGMENT_BYTES,
} from './log/topic-configs.ts';

interface BrokerConfigDefinition {
  /** The option it reads, whose schema default tells a default from a setting. */
  option?: keyof BrokerConfig;
  type: ConfigTypeValue;
  value: (config: BrokerConfig) => string;
  documentation: string;
  /** Changeable while running (a dynamic config): what is wrong with a value, or null. */
  dynamic?: (value: string) => string | null;
}

const integerFrom = (min: number, max: number) => (v: string) =>
  /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max
    ? null
    : `must be an integer from ${min} to ${max}`;
const LONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MAX = 2_147_483_647;

const DEFINITIONS: Record<string, BrokerConfigDefinition> = {
  'node.id': {
    option: 'nodeId',
    type: ConfigType.INT,
    value: (c) => String(c.nodeId),
    documentation: 'The id of this (only) node.',
  },
  'log.dirs': {
    option: 'dataDir',
    type: ConfigType.STRING,
    value: (c) => c.dataDir,
    documentation: 'Where partition logs, offsets and metadata are kept.',
  },
  'num.partitions': {
    option: 'defaultPartitions',
    type: ConfigType.INT,
    value: (c) => String(c.defaultPartitions),
    documentation: 'Partitions of an auto-created topic, or of one created without a count.',
  },
  'auto.create.topics.enable': {
    option: 'autoCreateTopics',
    type: ConfigType.BOOLEAN,
    value: (c) => String(c.autoCreateTopics),
    documentation: 'Metadata and produce requests create missing topics.',
  },
  'log.retention.ms': {
    option: 'retentionMs',
    type: ConfigType.LONG,
    value: (c) => String(c.retentionMs),
    documentation: 'Default retention.ms of topics.',
    dynamic: integerFrom(-1, LONG_MAX),
  },
  'log.retention.bytes': {
    option: 'retentionBytes',
    type: ConfigType.LONG,
    value: (c) => String(c.retentionBytes),
    documentation: 'Default retention.bytes of topics.',
    dynamic: integerFrom(-1, LONG_MAX),
  },
  'log.retention.check.interval.ms': {
    option: 'retentionCheckIntervalMs',
    type: ConfigType.LONG,
    value: (c) => String(c.retentionCheckIntervalMs),
    documentation: 'How often retention runs.',
  },
  'log.segment.bytes': {
    option: 'segmentBytes',
    type: ConfigType.INT,
    value: (c) => String(c.segmentBytes),
    documentation: 'Default segment.bytes of topics.',
    dynamic: integerFrom(MIN_SEGMENT_BYTES, INT_MAX),
  },
  'message.max.bytes': {
    option: 'maxMessageBytes',
    type: ConfigType.INT,
    value: (c) => String(c.maxMessageBytes),
    documentation: 'Default max.message.bytes of topics.',
    dynamic: integerFrom(0, INT_MAX),
  },
  'log.message.timestamp.type': {
    option: 'logAppendTime',
    type: ConfigType.STRING,
    value: (c) => (c.logAppendTime ? 'LogAppendTime' : 'CreateTime'),
    documentation: 'Default message.timestamp.type of topics.',
  },
  'socket.request.max.bytes': {
    option: 'maxFrameBytes',
    type: ConfigType.INT,
    value: (c) => String(c.maxFrameBytes),
    documentation: 'The largest request the broker reads.',
  },
  'group.min.session.timeout.ms': {
    option: 'groupMinSessionTimeoutMs',
    type: ConfigType.INT,
    value: (c) => String(c.groupMinSessionTimeoutMs),
    documentation: 'The shortest session timeout a group member may ask for.',
  },
  'group.max.session.timeout.ms': {
    option: 'groupMaxSessionTimeoutMs',
    type: ConfigType.INT,
    value: (c) => String(c.groupMaxSessionTimeoutMs),
    documentation: 'The longest session timeout a group member may ask for.',
  },
  'group.initial.rebalance.delay.ms': {
    option: 'groupInitialRebalanceDelayMs',
    type: ConfigType.INT,
    value: (c) => String(c.groupInitialRebalanceDelayMs),
    documentation: 'How long the first rebalance of an empty group waits for more members.',
  },
  'default.replication.factor': {
    type: ConfigType.INT,
    value: () => '1',
    documentation: 'One node: every partition has one replica.',
  },
  'min.insync.replicas': {
    type: ConfigType.INT,
    value: () => '1',
    documentation: 'One node: the leader is the only replica.',
  },
  'compression.type': {
    type: ConfigType.STRING,
    value: () => 'producer',
    documentation: 'Batches are stored as the producer compressed them.',
  },
};

export const BROKER_CONFIG_NAMES: readonly string[] = Object.keys(DEFINITIONS);

const schemaDefaults = BrokerConfigSchema.properties as Record<string, { default?: unknown }>;

function staticSetting(config: BrokerConfig, name: string): BrokerSetting {
  const def = DEFINITIONS[name];
  const isDefault =
    def.option === undefined || schemaDefaults[def.option]?.default === (config[def.option] as unknown);
  return {
    name,
    value: def.value(config),
    source: isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG,
  };
}

/** Every value a broker setting has, most specific first: this broker's, the cluster's, the static one. */
export function settingChain(
  config: BrokerConfig,
  dynamic: DynamicBrokerConfigs,
  name: string,
): BrokerSetting[] {
  if (!isBrokerConfig(name)) return [];
  const chain: BrokerSetting[] = [];
  const own = dynamic.get('broker', name);
  if (own !== undefined) chain.push({ name, value: own, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
  const cluster = dynamic.get('cluster', name);
  if (cluster !== undefined)
    chain.push({ name, value: cluster, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
  chain.push(staticSetting(config, name));
  return chain;
}

/** The effective numeric value of a broker setting (one of the dynamic topic defaults); per request, cheap. */
export function brokerNumber(
  config: BrokerConfig,
  dynamic: DynamicBrokerConfigs,
  name: 'log.retention.ms' | 'log.retention.bytes' | 'log.segment.bytes' | 'message.max.bytes',
): number {
  return Number(
    dynamic.get('broker', name) ?? dynamic.get('cluster', name) ?? DEFINITIONS[name].value(config),
  );
}

/**
 * The BROKER resource's configs (all, or those named that exist). For this broker: every setting with
 * its effective value; for the cluster-wide default (`cluster`): only the dynamic settings made there.
 */
export function describeBrokerConfigs(
  config: BrokerConfig,
  dynamic: DynamicBrokerConfigs,
  scope: 'broker' | 'cluster',
  names: readonly string[] | null,
): DescribedConfig[] {
  const listed = scope === 'cluster' ? Object.keys(dynamic.entries('cluster')) : BROKER_CONFIG_NAMES;
  const wanted = names === null ? listed : names.filter((n) => listed.includes(n));
  return wanted.map((name) => {
    const chain = settingChain(config, dynamic, name).filter(
      (s) => scope === 'broker' || s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    );
    return {
      name,
      value: chain[0].value,
      readOnly: DEFINITIONS[name].dynamic === undefined,
      source: chain[0].source,
      type: DEFINITIONS[name].type,
      synonyms: chain,
      documentation: DEFINITIONS[name].documentation,
    };
  });
}

export function isBrokerConfig(name: string): boolean {
  return Object.hasOwn(DEFINITIONS, name);
}

/** The broker's config rules for AlterConfigs and IncrementalAlterConfigs: only dynamic settings change. */
export const BROKER_CONFIG_RULES: ConfigRules = {
  kind: 'broker',
  isKnown: isBrokerConfig,
  isAlterable: (name) => isBrokerConfig(name) && DEFINITIONS[name].dynamic !== undefined,
  isList: () => false,
  problem: (name, value) => {
    const problem = isBrokerConfig(name) ? (DEFINITIONS[name].dynamic?.(value) ?? null) : null;
    return problem === null ? null : `invalid value '${value}' for broker config '${name}': ${problem}`;
  },
};
