// Configuration of `npm start`: the only place the launcher reads the environment. Every bad variable is
// reported at once, each with what it must be.
//
// Unlike the services' config (TypeBox schemas), this is a small table checked by hand: loading TypeBox
// takes a sizeable part of the launcher's own start-up (see `npm run bench:start`), and the launcher only
// needs integers, names from a list and non-empty text.

interface IntegerVariable {
  kind: 'integer';
  default: number;
  min: number;
  max?: number;
  description: string;
}
interface ChoiceVariable<T extends string> {
  kind: 'choice';
  values: readonly T[];
  default?: T;
  description: string;
}
interface TextVariable {
  kind: 'text';
  default: string;
  description: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const port = (fallback: number, description: string): IntegerVariable => ({
  kind: 'integer',
  default: fallback,
  min: 1,
  max: 65535,
  description,
});

/** Every variable `npm start` reads, with its default and meaning (the README's table follows this). */
export const START_VARIABLES = {
  TRIBUTARY_DATA_DIR: {
    kind: 'text',
    default: './.data',
    description: 'where the broker, both services and the console keep their data (created when missing)',
  } satisfies TextVariable,
  BROKER_PORT: port(9092, 'Kafka port of the broker'),
  USER_SERVICE_PORT: port(5001, 'HTTP port of the User Service'),
  ORDER_SERVICE_PORT: port(5002, 'HTTP port of the Order Service'),
  CONSOLE_PORT: port(5000, 'HTTP port of the console (UI, API and the trace receiver)'),
  HOST: {
    kind: 'text',
    default: '127.0.0.1',
    description: 'address every process listens on',
  } satisfies TextVariable,
  LOG_LEVEL: {
    kind: 'choice',
    values: LOG_LEVELS,
    default: 'info',
    description: 'log level of every process',
  } satisfies ChoiceVariable<(typeof LOG_LEVELS)[number]>,
  LOG_FORMAT: {
    kind: 'choice',
    values: ['pretty', 'json'] as const,
    description: 'pretty on a terminal, JSON lines otherwise',
  } satisfies ChoiceVariable<'pretty' | 'json'>,
  STARTUP_TIMEOUT_MS: {
    kind: 'integer',
    default: 60_000,
    min: 1000,
    description: 'how long each process may take to become ready',
  } satisfies IntegerVariable,
  SHUTDOWN_TIMEOUT_MS: {
    kind: 'integer',
    default: 20_000,
    min: 1000,
    description: 'how long each process may take to stop before it is killed',
  } satisfies IntegerVariable,
} as const;

export interface StartConfig {
  TRIBUTARY_DATA_DIR: string;
  BROKER_PORT: number;
  USER_SERVICE_PORT: number;
  ORDER_SERVICE_PORT: number;
  CONSOLE_PORT: number;
  HOST: string;
  LOG_LEVEL: (typeof LOG_LEVELS)[number];
  LOG_FORMAT: 'pretty' | 'json' | undefined;
  STARTUP_TIMEOUT_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

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

type Variable = IntegerVariable | ChoiceVariable<string> | TextVariable;

/** The value of `text` for `variable`, or what it must be instead. */
function parse(variable: Variable, text: string): { value: unknown } | { problem: string } {
  switch (variable.kind) {
    case 'integer': {
      const value = Number(text.trim());
      const inRange =
        /^-?\d+$/.test(text.trim()) &&
        value >= variable.min &&
        (variable.max === undefined || value <= variable.max);
      if (inRange) return { value };
      return {
        problem:
          variable.max === undefined
            ? `must be an integer of at least ${variable.min}`
            : `must be an integer from ${variable.min} to ${variable.max}`,
      };
    }
    case 'choice':
      return variable.values.includes(text)
        ? { value: text }
        : { problem: `must be one of ${variable.values.join(', ')}` };
    case 'text':
      return text.trim() === '' ? { problem: 'must not be blank' } : { value: text };
  }
}

export function loadStartConfig(env: Readonly<Record<string, string | undefined>>): StartConfig {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(START_VARIABLES) as [string, Variable][]) {
    const text = env[name];
    if (text === undefined || text === '') {
      config[name] = variable.default;
      continue;
    }
    const parsed = parse(variable, text);
    if ('value' in parsed) config[name] = parsed.value;
    else problems.push(`${name}=${JSON.stringify(text)}: ${parsed.problem}`);
  }
  if (problems.length > 0) throw new StartConfigError(problems);
  return config as unknown as StartConfig;
}
