// The console's configuration: the only place that reads the environment.
import { ConfigError, KAFKA_SECURITY_CONFIG, loadConfig, loggingSettings } from '@tributary/service-kit';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  KAFKA_BROKERS: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'localhost:9092' }),
  /** Where the audit log is kept. */
  DATA_DIR: Type.String({ minLength: 1, default: './.data/console' }),
  /** Required when HOST is not a loopback address; clients send `Authorization: Bearer <token>`. */
  CONSOLE_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  LAG_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5000 }),
  REDRIVE_RATE_PER_SECOND: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
  REDRIVE_MAX_PER_EVENT: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  /** Redrives of more dead letters than this run as background jobs. */
  REDRIVE_JOB_THRESHOLD: Type.Integer({ minimum: 0, maximum: 10_000, default: 20 }),
  TRACES_MAX: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 2000 }),
  ...loggingSettings(),
  /** SASL and TLS to the cluster, the same variables as the services'. */
  ...KAFKA_SECURITY_CONFIG,
});

export type Config = Static<typeof ConfigSchema>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  const config = loadConfig(ConfigSchema, env);
  if (!isLoopback(config.HOST) && config.CONSOLE_TOKEN === undefined) {
    throw new ConfigError([
      {
        name: 'CONSOLE_TOKEN',
        value: undefined,
        reason: `is required when HOST (${config.HOST}) is not a loopback address (at least 16 characters)`,
      },
    ]);
  }
  return config;
}
