// The console's configuration: the only place that reads the environment.
import {
  ConfigError,
  HTTP_SECURITY_CONFIG,
  httpSecurityFromConfig,
  type JwtVerifier,
  KAFKA_SECURITY_CONFIG,
  loadConfig,
  loggingSettings,
} from '@tributary/service-kit';
import { type Static, Type } from 'typebox';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  KAFKA_BROKERS: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'localhost:9092' }),
  /** Where the audit log is kept. */
  DATA_DIR: Type.String({ minLength: 1, default: './.data/console' }),
  /** A shared token with every scope; clients send `Authorization: Bearer <token>`. */
  CONSOLE_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /**
   * `jwt`: bearer JWTs as the services take them (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL or
   * AUTH_JWT_PUBLIC_KEY_FILE), with the scopes console:read and console:write. `development` (or unset):
   * no JWTs; CONSOLE_TOKEN guards the console when set, else it is open, on a loopback HOST only.
   */
  // The services' values, without their default (jwt): unset keeps CONSOLE_TOKEN or loopback use working.
  AUTH_MODE: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('development')])),
  AUTH_JWKS_URL: HTTP_SECURITY_CONFIG.AUTH_JWKS_URL,
  AUTH_JWT_PUBLIC_KEY_FILE: HTTP_SECURITY_CONFIG.AUTH_JWT_PUBLIC_KEY_FILE,
  AUTH_ISSUER: HTTP_SECURITY_CONFIG.AUTH_ISSUER,
  AUTH_AUDIENCE: HTTP_SECURITY_CONFIG.AUTH_AUDIENCE,
  LAG_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 5000 }),
  REDRIVE_RATE_PER_SECOND: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
  REDRIVE_MAX_PER_EVENT: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  /** Redrives of more dead letters than this run as background jobs. */
  REDRIVE_JOB_THRESHOLD: Type.Integer({ minimum: 0, maximum: 10_000, default: 20 }),
  TRACES_MAX: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 2000 }),
  /** A prebuilt UI bundle (app.js, app.css from `npm run build:console`); unset: built when it starts. */
  UI_DIR: Type.Optional(Type.String({ minLength: 1 })),
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
  if (!isLoopback(config.HOST) && config.CONSOLE_TOKEN === undefined && config.AUTH_MODE !== 'jwt') {
    throw new ConfigError([
      {
        name: 'CONSOLE_TOKEN',
        value: undefined,
        reason: `is required when HOST (${config.HOST}) is not a loopback address (at least 16 characters), unless AUTH_MODE=jwt`,
      },
    ]);
  }
  return config;
}

/** Who may use the console: a shared token, JWTs, both, or (on loopback, neither set) everyone. */
export interface ConsoleAuth {
  token?: string;
  verify?: JwtVerifier;
}

/** The console's authentication from its config; a ConfigError names every missing JWT setting. */
export function consoleAuthFromConfig(config: Config): ConsoleAuth {
  if (config.AUTH_MODE !== 'jwt') return { token: config.CONSOLE_TOKEN };
  const { auth } = httpSecurityFromConfig({
    AUTH_MODE: 'jwt',
    AUTH_JWKS_URL: config.AUTH_JWKS_URL,
    AUTH_JWT_PUBLIC_KEY_FILE: config.AUTH_JWT_PUBLIC_KEY_FILE,
    AUTH_ISSUER: config.AUTH_ISSUER,
    AUTH_AUDIENCE: config.AUTH_AUDIENCE,
    RATE_LIMIT_MAX: 0,
    RATE_LIMIT_WINDOW_MS: 1000,
  });
  return { token: config.CONSOLE_TOKEN, verify: auth.mode === 'jwt' ? auth.verify : undefined };
}

/** One line for the start log: how the console checks who calls it. */
export function describeConsoleAuth(auth: ConsoleAuth, config: Config): string {
  if (auth.verify !== undefined) {
    return `authentication: JWT bearer tokens from ${config.AUTH_ISSUER} for ${config.AUTH_AUDIENCE} (scopes console:read, console:write)${auth.token !== undefined ? ' and CONSOLE_TOKEN' : ''}`;
  }
  if (auth.token !== undefined) return 'authentication: CONSOLE_TOKEN';
  return `authentication: none (AUTH_MODE=${config.AUTH_MODE ?? 'development'} without CONSOLE_TOKEN): anyone who reaches ${config.HOST} may use the console; it listens on loopback only`;
}
