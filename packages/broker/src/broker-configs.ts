// The broker's settings under their Kafka names, as DescribeConfigs reports them for the BROKER resource
// and as topic configs fall back to them. All are read-only over the wire: they come from flags and
// environment variables at start (STATIC_BROKER_CONFIG), or are the defaults (DEFAULT_CONFIG).
import { type BrokerConfig, BrokerConfigSchema } from './config.ts';
import {
  type BrokerSetting,
  ConfigSource,
  ConfigType,
  type ConfigTypeValue,
  type DescribedConfig,
} from './log/topic-configs.ts';

interface BrokerConfigDefinition {
  /** The option it reads, whose schema default tells a default from a setting. */
  option?: keyof BrokerConfig;
  type: ConfigTypeValue;
  value: (config: BrokerConfig) => string;
  documentation: string;
}

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
  },
  'log.retention.bytes': {
    option: 'retentionBytes',
    type: ConfigType.LONG,
    value: (c) => String(c.retentionBytes),
    documentation: 'Default retention.bytes of topics.',
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
  },
  'message.max.bytes': {
    option: 'maxMessageBytes',
    type: ConfigType.INT,
    value: (c) => String(c.maxMessageBytes),
    documentation: 'Default max.message.bytes of topics.',
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

/** A broker setting by its Kafka name, with whether it was set or is the default. */
export function brokerSetting(config: BrokerConfig, name: string): BrokerSetting | undefined {
  if (!Object.hasOwn(DEFINITIONS, name)) return undefined;
  const def = DEFINITIONS[name];
  const isDefault =
    def.option === undefined || schemaDefaults[def.option]?.default === (config[def.option] as unknown);
  return {
    name,
    value: def.value(config),
    source: isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.STATIC_BROKER_CONFIG,
  };
}

/** The BROKER resource's configs (all, or those named that exist), read-only. */
export function describeBrokerConfigs(
  config: BrokerConfig,
  names: readonly string[] | null,
): DescribedConfig[] {
  const wanted = names === null ? BROKER_CONFIG_NAMES : names.filter((n) => Object.hasOwn(DEFINITIONS, n));
  return wanted.map((name) => {
    const setting = brokerSetting(config, name)!;
    return {
      name,
      value: setting.value,
      readOnly: true,
      source: setting.source,
      type: DEFINITIONS[name].type,
      synonyms: [{ name, value: setting.value, source: setting.source }],
      documentation: DEFINITIONS[name].documentation,
    };
  });
}

export function isBrokerConfig(name: string): boolean {
  return Object.hasOwn(DEFINITIONS, name);
}
