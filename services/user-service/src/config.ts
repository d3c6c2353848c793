// The User Service's configuration: the only place that reads the environment.
import { loadConfig } from '@tributary/service-kit';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5001 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATA_DIR: Type.String({ minLength: 1, default: './.data/user-service' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: 'user_service' }),
  KAFKA_BROKERS: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'localhost:9092' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_PRETTY: Type.Boolean({ default: false }),
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
});

export type Config = Static<typeof ConfigSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(ConfigSchema, env) as Config;
}
