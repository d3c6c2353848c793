// The environment variables of a service's HTTP security (authentication, rate limit, CORS), and how they
// become the app's options. Checked together: JWT mode needs an issuer, an audience and one key source.
import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '@tributary/config';
import { type Static, Type } from 'typebox';
import type { HttpAuth } from './http-auth.ts';
import type { HttpProtectionOptions } from './http-protection.ts';
import { createJwtVerifier } from './jwt-verifier.ts';

export const HTTP_SECURITY_CONFIG = {
  /** `jwt` (default): bearer tokens required; `development`: nothing checked, announced at start. */
  AUTH_MODE: Type.Union([Type.Literal('jwt'), Type.Literal('development')], { default: 'jwt' }),
  AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  AUTH_JWT_PUBLIC_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 100 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, default: 1000 }),
  CORS_ORIGINS: Type.Optional(Type.String({ pattern: '^https?://[^,\\s]+(,https?://[^,\\s]+)*$' })),
};

export const httpSecurityConfigSchema = Type.Object(HTTP_SECURITY_CONFIG);
export type HttpSecurityConfig = Static<typeof httpSecurityConfigSchema>;

export interface HttpSecurity {
  auth: HttpAuth;
  protection: HttpProtectionOptions;
}

/** Builds authentication and protections from the checked variables; throws ConfigError naming each gap. */
export function httpSecurityFromConfig(
  config: HttpSecurityConfig,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): HttpSecurity {
  const protection: HttpProtectionOptions = {
    rateLimitMax: config.RATE_LIMIT_MAX,
    rateLimitWindowMs: config.RATE_LIMIT_WINDOW_MS,
    corsOrigins: config.CORS_ORIGINS?.split(','),
  };
  if (config.AUTH_MODE === 'development') return { auth: { mode: 'development' }, protection };
  const issues: ConfigIssue[] = [];
  const needed = 'is required when AUTH_MODE=jwt (AUTH_MODE=development turns authentication off)';
  if (config.AUTH_ISSUER === undefined)
    issues.push({ name: 'AUTH_ISSUER', value: undefined, reason: needed });
  if (config.AUTH_AUDIENCE === undefined)
    issues.push({ name: 'AUTH_AUDIENCE', value: undefined, reason: needed });
  if ((config.AUTH_JWKS_URL === undefined) === (config.AUTH_JWT_PUBLIC_KEY_FILE === undefined)) {
    issues.push({
      name: 'AUTH_JWKS_URL',
      value: config.AUTH_JWKS_URL,
      reason: 'exactly one of AUTH_JWKS_URL and AUTH_JWT_PUBLIC_KEY_FILE must be set when AUTH_MODE=jwt',
    });
  }
  let publicKeyPem: string | undefined;
  if (config.AUTH_JWT_PUBLIC_KEY_FILE !== undefined) {
    try {
      publicKeyPem = readFile(config.AUTH_JWT_PUBLIC_KEY_FILE);
    } catch (err) {
      issues.push({
        name: 'AUTH_JWT_PUBLIC_KEY_FILE',
        value: config.AUTH_JWT_PUBLIC_KEY_FILE,
        reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  let verify: ReturnType<typeof createJwtVerifier>;
  try {
    verify = createJwtVerifier({
      jwksUrl: config.AUTH_JWKS_URL,
      publicKeyPem,
      issuer: config.AUTH_ISSUER as string,
      audience: config.AUTH_AUDIENCE as string,
    });
  } catch {
    throw new ConfigError([
      {
        name: 'AUTH_JWT_PUBLIC_KEY_FILE',
        value: config.AUTH_JWT_PUBLIC_KEY_FILE,
        reason: 'is not a PEM public key or certificate',
      },
    ]);
  }
  return { auth: { mode: 'jwt', verify }, protection };
}
