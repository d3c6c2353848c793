// The User Service's configuration: the only place that reads the environment.
import { loadConfig, serviceConfigSchema } from '@tributary/service-kit';
import type { Static } from 'typebox';

export const ConfigSchema = serviceConfigSchema({
  port: 5001,
  dataDir: './.data/user-service',
  schema: 'user_service',
});

export type Config = Static<typeof ConfigSchema>;

export function readConfig(env: Record<string, string | undefined> = process.env): Config {
  return loadConfig(ConfigSchema, env);
}
