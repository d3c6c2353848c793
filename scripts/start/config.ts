// Configuration of `npm start`: the only place the launcher reads the environment. Every bad variable is
// reported at once, each with what it must be.
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: fallback, description });

export const StartConfigSchema = Type.Object({
  TRIBUTARY_DATA_DIR: Type.String({
    minLength: 1,
    default: './.data',
    description: 'where the broker and both services keep their data (created when missing)',
  }),
  BROKER_PORT: port(9092, 'Kafka port of the broker'),
  USER_SERVICE_PORT: port(5001, 'HTTP port of the User Service'),
  ORDER_SERVICE_PORT: port(5002, 'HTTP port of the Order Service'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address every process listens on' }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** `pretty` or `json`; default: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('pretty'), Type.Literal('json')])),
  STARTUP_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 60_000,
    description: 'how long each process may take to become ready',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 20_000,
    description: 'how long each process may take to stop before it is killed',
  }),
});

export type StartConfig = Static<typeof StartConfigSchema>;

export class StartConfigError extends Error {
  readonly code = 'START_CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `invalid configuration (${problems.length} variable${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`,
    );
    this.name = 'StartConfigError';
    this.problems = problems;
  }
}

/** What a value of `schema` must be, in words. */
function expectation(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.anyOf))
    return `must be one of ${schema.anyOf.map((m) => (m as { const: string }).const).join(', ')}`;
  if (schema.type === 'integer') {
    if (schema.maximum === undefined) return `must be an integer of at least ${schema.minimum}`;
    return `must be an integer from ${schema.minimum} to ${schema.maximum}`;
  }
  if (typeof schema.minLength === 'number') return 'must not be empty';
  return 'is invalid';
}

export function loadStartConfig(env: Readonly<Record<string, string | undefined>>): StartConfig {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, property] of Object.entries(StartConfigSchema.properties)) {
    const schema = property as unknown as Record<string, unknown>;
    const text = env[name];
    if (text === undefined || text === '') {
      if (schema.default !== undefined) config[name] = schema.default;
      continue;
    }
    const value = schema.type === 'integer' && /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    if (Value.Check(property, value)) config[name] = value;
    else problems.push(`${name}=${JSON.stringify(text)}: ${expectation(schema)}`);
  }
  if (problems.length > 0) throw new StartConfigError(problems);
  return config as StartConfig;
}
