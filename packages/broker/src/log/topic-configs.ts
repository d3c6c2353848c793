// Topic configs: which ones the broker knows, which a client may change, their validation, and how each is
// described (value, source, synonyms) for DescribeConfigs. The alterable ones are the ones the log applies
// per topic: retention (retention pass), segment size (next roll) and the largest batch a produce may carry.
// The others are reported read-only with the value the broker actually uses, so that tools which read them
// (kafka-configs, AdminClient.describeConfigs) see the truth rather than Kafka's defaults.
import { LogError } from './log-error.ts';

/** Kafka's ConfigSource (DescribeConfigs v1+, KIP-226). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** Kafka's ConfigType (DescribeConfigs v3+, KIP-569). */
export const ConfigType = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

export type ConfigTypeValue = (typeof ConfigType)[keyof typeof ConfigType];
export type ConfigSourceValue = (typeof ConfigSource)[keyof typeof ConfigSource];

/** A broker setting as a topic config falls back to it: its Kafka name, value and where it comes from. */
export interface BrokerSetting {
  name: string;
  value: string;
  source: ConfigSourceValue;
}

/** One described config entry, wire-independent. */
export interface DescribedConfig {
  name: string;
  value: string;
  readOnly: boolean;
  source: ConfigSourceValue;
  type: ConfigTypeValue;
  synonyms: { name: string; value: string; source: ConfigSourceValue }[];
  documentation: string;
}

interface TopicConfigDefinition {
  type: ConfigTypeValue;
  /** A client may change it after creation (AlterConfigs, IncrementalAlterConfigs). */
  alterable: boolean;
  /** May be given at creation (CreateTopics). */
  creatable: boolean;
  /** The broker setting it falls back to, when there is one. */
  brokerSynonym?: string;
  /** The value when neither the topic nor the broker sets it. */
  fixed?: string;
  validate: (value: string) => string | null;
  documentation: string;
}

const LONG_MIN_MINUS_ONE = (v: string) =>
  /^-?\d+$/.test(v) && Number(v) >= -1 && Number.isSafeInteger(Number(v)) ? null : 'must be an integer >= -1';
const intAtLeast = (min: number) => (v: string) =>
  /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= 2_147_483_647
    ? null
    : `must be an integer from ${min} to 2147483647`;
const oneOf =
  (...allowed: string[]) =>
  (v: string) =>
    allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;
const fixedValue = (value: string) => (v: string) => (v === value ? null : `only '${value}' is supported`);

/** The smallest segment the log accepts (the broker's own segmentBytes minimum). */
export const MIN_SEGMENT_BYTES = 1024;

const DEFINITIONS: Record<string, TopicConfigDefinition> = {
  'retention.ms': {
    type: ConfigType.LONG,
    alterable: true,
    creatable: true,
    brokerSynonym: 'log.retention.ms',
    validate: LONG_MIN_MINUS_ONE,
    documentation: 'How long a closed segment is kept (ms); -1 keeps it forever.',
  },
  'retention.bytes': {
    type: ConfigType.LONG,
    alterable: true,
    creatable: true,
    brokerSynonym: 'log.retention.bytes',
    validate: LONG_MIN_MINUS_ONE,
    documentation: 'How many bytes a partition may hold before old segments are deleted; -1 is unlimited.',
  },
  'segment.bytes': {
    type: ConfigType.INT,
    alterable: true,
    creatable: true,
    brokerSynonym: 'log.segment.bytes',
    validate: intAtLeast(MIN_SEGMENT_BYTES),
    documentation: 'The size at which a segment is rolled; applies from the next roll.',
  },
  'max.message.bytes': {
    type: ConfigType.INT,
    alterable: true,
    creatable: true,
    brokerSynonym: 'message.max.bytes',
    validate: intAtLeast(0),
    documentation: 'The largest record batch a produce request may append to this topic.',
  },
  'cleanup.policy': {
    type: ConfigType.LIST,
    alterable: false,
    creatable: true,
    fixed: 'delete',
    validate: oneOf('delete', 'compact', 'compact,delete', 'delete,compact'),
    documentation: 'Recorded at creation; segments are only ever deleted (compaction is not implemented).',
  },
  'message.timestamp.type': {
    type: ConfigType.STRING,
    alterable: false,
    creatable: true,
    brokerSynonym: 'log.message.timestamp.type',
    validate: oneOf('CreateTime', 'LogAppendTime'),
    documentation: 'CreateTime keeps the producer timestamp; LogAppendTime stamps batches with broker time.',
  },
  'compression.type': {
    type: ConfigType.STRING,
    alterable: false,
    creatable: false,
    fixed: 'producer',
    validate: fixedValue('producer'),
    documentation: 'Batches are stored as the producer compressed them.',
  },
  'min.insync.replicas': {
    type: ConfigType.INT,
    alterable: false,
    creatable: false,
    fixed: '1',
    validate: fixedValue('1'),
    documentation: 'One node: the leader is the only replica.',
  },
  'unclean.leader.election.enable': {
    type: ConfigType.BOOLEAN,
    alterable: false,
    creatable: false,
    fixed: 'false',
    validate: fixedValue('false'),
    documentation: 'One node: there is no other replica to elect.',
  },
};

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(DEFINITIONS);

export function isKnownTopicConfig(name: string): boolean {
  return Object.hasOwn(DEFINITIONS, name);
}

export function isCreatableTopicConfig(name: string): boolean {
  return isKnownTopicConfig(name) && DEFINITIONS[name].creatable;
}

export function isAlterableTopicConfig(name: string): boolean {
  return isKnownTopicConfig(name) && DEFINITIONS[name].alterable;
}

export function topicConfigType(name: string): ConfigTypeValue | undefined {
  return isKnownTopicConfig(name) ? DEFINITIONS[name].type : undefined;
}

/** What is wrong with `value` for `name`, or null; unknown names are wrong too. */
export function topicConfigProblem(name: string, value: string): string | null {
  if (!isKnownTopicConfig(name)) return `unknown topic config '${name}'`;
  const problem = DEFINITIONS[name].validate(value);
  return problem === null ? null : `invalid value '${value}' for topic config '${name}': ${problem}`;
}

/** Throws LogError INVALID_CONFIG for the first unknown or invalid entry of a topic's configs. */
export function checkTopicConfigs(configs: Record<string, string>): void {
  for (const [name, value] of Object.entries(configs)) {
    const problem = topicConfigProblem(name, value);
    if (problem !== null) throw new LogError('INVALID_CONFIG', problem);
  }
}

/** Throws LogError INVALID_CONFIG for the first entry a topic may not be created with. */
export function checkCreationConfigs(configs: Record<string, string>): void {
  for (const name of Object.keys(configs)) {
    if (isKnownTopicConfig(name) && !isCreatableTopicConfig(name))
      throw new LogError('INVALID_CONFIG', `topic config '${name}' cannot be set on this broker (read-only)`);
  }
  checkTopicConfigs(configs);
}

/**
 * The topic's configs as DescribeConfigs reports them: its own overrides (TOPIC_CONFIG), else the broker
 * setting it falls back to, else the fixed value. Synonyms run from the most to the least specific, as in
 * Kafka (KIP-226).
 */
export function describeTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  brokerSettings: (synonym: string) => readonly BrokerSetting[],
  names: readonly string[] | null,
): DescribedConfig[] {
  const wanted = names === null ? TOPIC_CONFIG_NAMES : names.filter(isKnownTopicConfig);
  return wanted.map((name) => {
    const def = DEFINITIONS[name];
    const synonyms: DescribedConfig['synonyms'] = [];
    const own = overrides[name];
    if (own !== undefined) synonyms.push({ name, value: own, source: ConfigSource.TOPIC_CONFIG });
    if (def.brokerSynonym !== undefined)
      for (const b of brokerSettings(def.brokerSynonym))
        synonyms.push({ name: b.name, value: b.value, source: b.source });
    if (def.fixed !== undefined)
      synonyms.push({ name, value: def.fixed, source: ConfigSource.DEFAULT_CONFIG });
    const effective = synonyms[0] ?? { value: '', source: ConfigSource.UNKNOWN };
    return {
      name,
      value: effective.value,
      readOnly: !def.alterable,
      source: effective.source,
      type: def.type,
      synonyms,
      documentation: def.documentation,
    };
  });
}

/** A topic's effective numeric setting: its override, else the broker's. */
export function topicNumber(
  overrides: Readonly<Record<string, string>>,
  name: 'retention.ms' | 'retention.bytes' | 'segment.bytes' | 'max.message.bytes',
  brokerValue: number,
): number {
  const own = overrides[name];
  return own === undefined ? brokerValue : Number(own);
}
