// The Order Service's configuration: the only place that reads the environment.
import { loadConfig, serviceConfigSchema } from '@tributary/service-kit';
import { type Static, Type } from 'typebox';

const common = serviceConfigSchema({
  port: 5002,
  dataDir: './.data/order-service',
  schema: 'order_service',
});

export const ConfigSchema = Type.Object({
  ...common.properties,
  /** How long an Idempotency-Key of POST /orders is remembered. */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 24 }),
});

export type Config = Static<typeof ConfigSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(ConfigSchema, env);
}
