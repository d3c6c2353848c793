// Bearer-token authentication and per-route scopes for a Fastify app (RFC 6750). Every route needs a valid
// token unless it is public (health, metrics, API docs, or `config: { public: true }`); a route lists the
// scopes it needs in `config: { scopes: [...] }`. 401 and 403 leave as problem+json with WWW-Authenticate.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { CodedError } from '../errors/coded-error.ts';
import { type JwtVerifier, type Principal, TokenRejectedError } from './jwt-verifier.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes a token must carry for this route (all of them). */
    scopes?: readonly string[];
    /** Served without a token (health, metrics, documentation). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Who sent the request; undefined on public routes. */
    principal: Principal | undefined;
  }
}

/**
 * `jwt`: bearer JWTs verified by `verify`. `development`: nothing is checked and every request acts with
 * every scope; for a laptop only, and announced loudly at start.
 */
export type HttpAuth = { mode: 'jwt'; verify: JwtVerifier; realm?: string } | { mode: 'development' };

/** Paths served without a token whatever the route says: probes, scrapers and the API documentation. */
export const PUBLIC_PATH_PREFIXES = ['/health', '/metrics', '/swagger'] as const;

export const AUTH_PROBLEM_TYPES = {
  UNAUTHENTICATED: {
    status: 401,
    title: 'Authentication required',
    description: 'The request carries no bearer token; send `Authorization: Bearer <JWT>`.',
  },
  INVALID_TOKEN: {
    status: 401,
    title: 'Invalid token',
    description:
      'The bearer token is expired, not for this service, from another issuer or not validly signed.',
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    title: 'Insufficient scope',
    description: 'The token is valid but lacks a scope the route requires (`requiredScopes`).',
  },
  AUTH_UNAVAILABLE: {
    status: 503,
    title: 'Authentication unavailable',
    description: "The issuer's signing keys cannot be fetched right now; retry after `Retry-After`.",
  },
} as const;

const DEVELOPMENT_PRINCIPAL: Principal = {
  subject: 'development',
  scopes: new Set<string>(),
  development: true,
};

function isPublicPath(url: string): boolean {
  return PUBLIC_PATH_PREFIXES.some(
    (prefix) => url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`),
  );
}

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

function challenge(reply: FastifyReply, realm: string, error?: string, description?: string, scope?: string) {
  const parts = [`Bearer realm=${quoted(realm)}`];
  if (error !== undefined) parts.push(`error=${quoted(error)}`);
  if (description !== undefined) parts.push(`error_description=${quoted(description)}`);
  if (scope !== undefined) parts.push(`scope=${quoted(scope)}`);
  reply.header('www-authenticate', parts.join(', '));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match === null ? '' : match[1];
}

function authenticator(auth: HttpAuth, scopes: readonly string[]): onRequestHookHandler {
  if (auth.mode === 'development') {
    return async (request) => {
      request.principal = { ...DEVELOPMENT_PRINCIPAL, scopes: new Set(scopes) };
    };
  }
  const realm = auth.realm ?? 'tributary';
  return async (request, reply) => {
    const token = bearerToken(request);
    if (token === undefined || token === '') {
      challenge(reply, realm, token === '' ? 'invalid_request' : undefined);
      throw new CodedError(
        'UNAUTHENTICATED',
        token === ''
          ? 'The Authorization header is not of the form "Bearer <token>".'
          : 'This route needs a bearer token (Authorization: Bearer <JWT>).',
      );
    }
    let principal: Principal;
    try {
      principal = await auth.verify(token);
    } catch (err) {
      if (err instanceof TokenRejectedError && err.reason === 'unavailable') {
        request.log.warn({ err: err.cause ?? err }, 'bearer token not checked: signing keys unavailable');
        throw new CodedError('AUTH_UNAVAILABLE', err.message, { retryAfterSeconds: 1 });
      }
      const detail = err instanceof TokenRejectedError ? err.message : 'the token cannot be verified';
      // Never the token itself: it is a credential.
      request.log.info({ reason: detail }, 'bearer token refused');
      challenge(reply, realm, 'invalid_token', detail);
      throw new CodedError('INVALID_TOKEN', detail);
    }
    const missing = scopes.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) {
      request.log.info({ subject: principal.subject, missing }, 'bearer token lacks scopes');
      challenge(reply, realm, 'insufficient_scope', `requires ${scopes.join(' ')}`, scopes.join(' '));
      throw new CodedError(
        'INSUFFICIENT_SCOPE',
        `This route requires the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
        { extra: { requiredScopes: [...scopes] } },
      );
    }
    request.principal = principal;
  };
}

/**
 * Adds authentication to every route registered after this call (register it before the routes, after any
 * plugin whose hooks must run first, such as the rate limit). Reusable by any Fastify app of the platform.
 */
export function registerAuth(app: FastifyInstance, auth: HttpAuth): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { scopes?: readonly string[]; public?: boolean };
    // CORS preflights carry no credentials by definition (the CORS plugin answers them).
    if (config.public === true || isPublicPath(route.url) || route.method === 'OPTIONS') return;
    const hook = authenticator(auth, config.scopes ?? []);
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}
