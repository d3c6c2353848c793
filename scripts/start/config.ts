// Configuration of `npm start`: the only place the launcher reads the environment.
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

export const StartConfigSchema = Type.Object({
  TRIBUTARY_DATA_DIR: Type.String({ minLength: 1, default: './.data' }),
  BROKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9092 }),
  USER_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5001 }),
  ORDER_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5002 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** `pretty` or `json`; default: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('pretty'), Type.Literal('json')])),
  STARTUP_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
});

export type StartConfig = Static<typeof StartConfigSchema>;

export function loadStartConfig(env: Record<string, string | undefined>): StartConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(StartConfigSchema.properties)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[name] =
      (schema as { type?: string }).type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
  }
  const config = Value.Default(StartConfigSchema, raw) as StartConfig;
  const problems = [
    ...new Set(
      [...Value.Errors(StartConfigSchema, config)].map((e) => {
        const name = e.instancePath.slice(1);
        return `${name}=${JSON.stringify(env[name])}: ${e.message}`;
      }),
    ),
  ];
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
