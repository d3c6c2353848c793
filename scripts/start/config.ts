// Configuration of `npm start`: the only place the launcher reads the environment. Read with the loader
// the broker and the services use, so every bad variable is reported at once, each with what it must be.
import { loadConfig, type Static, Type } from '@tributary/config';

const port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: fallback, description });
const milliseconds = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1000, default: fallback, description });

/** Every variable `npm start` reads, with its default and meaning (the README's table follows this). */
export const StartConfigSchema = Type.Object({
  TRIBUTARY_DATA_DIR: Type.String({
    minLength: 1,
    default: './.data',
    description: 'where the broker, both services and the console keep their data (created when missing)',
  }),
  BROKER_PORT: port(9092, 'Kafka port of the broker'),
  USER_SERVICE_PORT: port(5001, 'HTTP port of the User Service'),
  ORDER_SERVICE_PORT: port(5002, 'HTTP port of the Order Service'),
  CONSOLE_PORT: port(5000, 'HTTP port of the console (UI, API and the trace receiver)'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address every process listens on' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'log level of every process' },
  ),
  LOG_FORMAT: Type.Optional(
    Type.Union([Type.Literal('pretty'), Type.Literal('json')], {
      description: 'pretty on a terminal, JSON lines otherwise',
    }),
  ),
  KAFKA_SECURITY: Type.Union([Type.Literal('plaintext'), Type.Literal('sasl_ssl')], {
    default: 'plaintext',
    description:
      'sasl_ssl: the broker takes only TLS with SASL SCRAM-SHA-512, and every process authenticates (a local CA, certificate and password are made once under TRIBUTARY_DATA_DIR/kafka-security)',
  }),
  STARTUP_TIMEOUT_MS: milliseconds(120_000, 'how long each process may take to become ready'),
  SHUTDOWN_TIMEOUT_MS: milliseconds(20_000, 'how long each process may take to stop before it is killed'),
});

export type StartConfig = Static<typeof StartConfigSchema> & {
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  KAFKA_SECURITY: 'plaintext' | 'sasl_ssl';
};

export function loadStartConfig(env: Readonly<Record<string, string | undefined>>): StartConfig {
  return loadConfig(StartConfigSchema, env) as StartConfig;
}
