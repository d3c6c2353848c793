// The broker's configuration: one schema gives the type, the defaults, the validation, the flags and the
// variables (built with @tributary/config's light `Type`, so the broker does not load TypeBox at start-up).
import { checkSettings, kebab, loadConfig, optionsHelp, type Static, Type } from '@tributary/config';

export const BrokerConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 9092, description: '0 picks a free port' }),
    advertisedHost: Type.Optional(
      Type.String({ minLength: 1, description: 'host clients are told to connect to (default: host)' }),
    ),
    dataDir: Type.String({ minLength: 1, default: './.data/broker' }),
    nodeId: Type.Integer({ minimum: 0, default: 1 }),
    autoCreateTopics: Type.Boolean({ default: true }),
    defaultPartitions: Type.Integer({ minimum: 1, maximum: 10000, default: 3 }),
    retentionMs: Type.Integer({
      minimum: -1,
      default: 7 * 24 * 3600 * 1000,
      description: '-1 keeps forever',
    }),
    retentionBytes: Type.Integer({ minimum: -1, default: -1, description: 'per partition; -1 unlimited' }),
    retentionCheckIntervalMs: Type.Integer({ minimum: 100, default: 300_000 }),
    segmentBytes: Type.Integer({ minimum: 1024, default: 128 * 1024 * 1024 }),
    flush: Type.Union([Type.Literal('interval'), Type.Literal('every-append'), Type.Literal('os')], {
      default: 'interval',
    }),
    flushIntervalMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 20 }),
    logAppendTime: Type.Boolean({ default: false, description: 'stamp batches with the broker time' }),
    maxFrameBytes: Type.Integer({ minimum: 1024, default: 100 * 1024 * 1024 }),
    maxMessageBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 + 12 }),
    maxConnections: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'connections beyond this are closed at once',
    }),
    connectionIdleTimeoutMs: Type.Integer({
      minimum: 0,
      default: 600_000,
      description:
        'close a connection without requests for this long (Kafka connections.max.idle.ms); 0 never',
    }),
    frameTimeoutMs: Type.Integer({
      minimum: 0,
      default: 30_000,
      description: 'close a connection whose started request does not arrive whole in this time; 0 never',
    }),
    maxBufferedBytes: Type.Integer({
      minimum: 1024,
      default: 256 * 1024 * 1024,
      description: 'partially received requests across all connections; beyond it the largest is closed',
    }),
    maxPartitionsPerTopic: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'larger topics are refused with INVALID_PARTITIONS',
    }),
    maxPartitionsPerBroker: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'topics that would exceed it are refused with POLICY_VIOLATION',
    }),
    fetchMaxBytes: Type.Integer({
      minimum: 1024,
      default: 4 * 1024 * 1024,
      description: 'most record bytes one fetch response carries (at least one whole batch is always sent)',
    }),
    tlsFetchMaxBytes: Type.Integer({
      minimum: 1024,
      default: 512 * 1024,
      description:
        'the same for clients of the TLS listener, when smaller (they receive a response in 16 KiB TLS records, and some clients parse large ones slowly; see README)',
    }),
    maxOpenFiles: Type.Integer({
      minimum: 16,
      default: 1000,
      description:
        'segment files kept open at once; the least recently used are closed and reopened on demand',
    }),
    tlsCertFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM certificate (chain): the listener speaks TLS' }),
    ),
    plaintextPort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description:
          'with a TLS listener: also listen without TLS on this port (same host and SASL settings; 0 picks a free port)',
      }),
    ),
    tlsKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of tlsCertFile' })),
    tlsClientAuth: Type.Union([Type.Literal('none'), Type.Literal('requested'), Type.Literal('required')], {
      default: 'none',
      description: 'ask clients for a certificate signed by tlsClientCaFile',
    }),
    tlsClientCaFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA certificates that sign client certificates' }),
    ),
    saslMechanisms: Type.Optional(
      Type.String({
        pattern: '^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)(,(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512))*$',
        description: 'comma-separated: clients must authenticate with one of these',
      }),
    ),
    saslUsers: Type.Optional(
      Type.String({ minLength: 1, description: 'user:password,... (salted when read, never stored)' }),
    ),
    saslUsersFile: Type.Optional(
      Type.String({ minLength: 1, description: 'JSON {"user": "password"} (salted when read)' }),
    ),
    saslSessionLifetimeMs: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'clients re-authenticate within this (KIP-368); 0 never',
    }),
    authorizer: Type.Union([Type.Literal('none'), Type.Literal('acl')], {
      default: 'none',
      description: 'acl: clients may do only what ACLs (CreateAcls) or superUsers allow; none: anything',
    }),
    superUsers: Type.Optional(
      Type.String({
        pattern: '^User:[^;]+(;User:[^;]+)*$',
        description: 'User:<name>;...: principals the acl authorizer allows everything (; as in Kafka)',
      }),
    ),
    allowEveryoneIfNoAclFound: Type.Boolean({
      default: false,
      description: 'acl authorizer: a resource no ACL covers is open to every client',
    }),
    groupMinSessionTimeoutMs: Type.Integer({ minimum: 1, default: 6000 }),
    groupMaxSessionTimeoutMs: Type.Integer({ minimum: 1, default: 1_800_000 }),
    groupInitialRebalanceDelayMs: Type.Integer({ minimum: 0, default: 0 }),
    metricsPort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description:
          'serve Prometheus metrics at http://metricsHost:metricsPort/metrics; off when unset, 0 picks a free port',
      }),
    ),
    metricsHost: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'address the metrics port listens on',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type BrokerConfig = Static<typeof BrokerConfigSchema>;
export type BrokerOptions = Partial<BrokerConfig>;

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid broker configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Applies defaults and validates; every bad setting is named in one error. */
export function resolveBrokerConfig(options: BrokerOptions): BrokerConfig {
  const { settings: withDefaults, problems } = checkSettings(BrokerConfigSchema, options);
  if (problems.length > 0) throw new ConfigError(problems);
  if (withDefaults.groupMinSessionTimeoutMs > withDefaults.groupMaxSessionTimeoutMs) {
    problems.push('groupMinSessionTimeoutMs: must not exceed groupMaxSessionTimeoutMs');
  }
  if (withDefaults.maxBufferedBytes < withDefaults.maxFrameBytes + 4) {
    problems.push('maxBufferedBytes: must hold at least one frame of maxFrameBytes (plus its 4-byte size)');
  }
  if (withDefaults.defaultPartitions > withDefaults.maxPartitionsPerTopic) {
    problems.push('defaultPartitions: must not exceed maxPartitionsPerTopic');
  }
  if (withDefaults.maxPartitionsPerTopic > withDefaults.maxPartitionsPerBroker) {
    problems.push('maxPartitionsPerTopic: must not exceed maxPartitionsPerBroker');
  }
  if ((withDefaults.tlsCertFile === undefined) !== (withDefaults.tlsKeyFile === undefined)) {
    problems.push('tlsCertFile, tlsKeyFile: a TLS listener needs both');
  }
  if (withDefaults.tlsClientAuth !== 'none' && withDefaults.tlsClientCaFile === undefined) {
    problems.push(`tlsClientAuth: ${withDefaults.tlsClientAuth} needs tlsClientCaFile`);
  }
  if (withDefaults.tlsClientAuth !== 'none' && withDefaults.tlsCertFile === undefined) {
    problems.push('tlsClientAuth: needs a TLS listener (tlsCertFile, tlsKeyFile)');
  }
  if (withDefaults.plaintextPort !== undefined && withDefaults.tlsCertFile === undefined) {
    problems.push(
      'plaintextPort: is a second listener beside a TLS one (tlsCertFile, tlsKeyFile); port is already plaintext',
    );
  }
  if (
    withDefaults.plaintextPort !== undefined &&
    withDefaults.plaintextPort !== 0 &&
    withDefaults.plaintextPort === withDefaults.port
  ) {
    problems.push('plaintextPort: must differ from port (the TLS listener)');
  }
  if (
    withDefaults.plaintextPort !== undefined &&
    withDefaults.plaintextPort !== 0 &&
    withDefaults.plaintextPort === withDefaults.metricsPort
  ) {
    problems.push('metricsPort: must differ from plaintextPort');
  }
  if (
    withDefaults.metricsPort !== undefined &&
    withDefaults.metricsPort !== 0 &&
    withDefaults.metricsPort === withDefaults.port
  ) {
    problems.push('metricsPort: must differ from port (the Kafka listener)');
  }
  const hasUsers = withDefaults.saslUsers !== undefined || withDefaults.saslUsersFile !== undefined;
  if (withDefaults.saslMechanisms !== undefined && !hasUsers) {
    problems.push('saslMechanisms: needs users (saslUsers or saslUsersFile)');
  }
  if (withDefaults.saslMechanisms === undefined && hasUsers) {
    problems.push('saslUsers, saslUsersFile: SASL users need saslMechanisms');
  }
  if (withDefaults.authorizer === 'none' && withDefaults.superUsers !== undefined) {
    problems.push('superUsers: needs authorizer acl');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return withDefaults;
}

/** TRIBUTARY_BROKER_DATA_DIR for `dataDir`: the variable of every option. */
function envName(name: string): string {
  return `TRIBUTARY_BROKER_${kebab(name).replace(/-/g, '_').toUpperCase()}`;
}

/** Every option's command-line flag, without the dashes (`data-dir`). */
export const CLI_FLAGS: readonly string[] = Object.keys(BrokerConfigSchema.properties).map(kebab);

/**
 * The broker's settings from TRIBUTARY_BROKER_* variables and `--flags` (as parsed by node:util parseArgs),
 * flags winning; every bad one is named in one error. The only place the broker reads the environment.
 */
export function readBrokerConfig(
  env: Record<string, string | undefined>,
  flags: Record<string, string | boolean | undefined> = {},
): BrokerConfig {
  return loadConfig(BrokerConfigSchema, env, { variable: envName, flags });
}

export const CLI_HELP = [
  'Usage: tributary-broker [options]',
  '',
  'Options (each also settable as the environment variable shown):',
  ...optionsHelp(BrokerConfigSchema, { variable: envName }),
  '  -h, --help',
].join('\n');
