// Who may call the console's API and trace receiver: a bearer JWT as the services take it (verified by
// service-kit's verifier; scope console:read to look, console:write to change anything), or the shared
// CONSOLE_TOKEN (every scope). Scripts send `Authorization: Bearer <token>`; the browser signs in once at
// POST /api/session, keeps the token for its requests and gets a cookie for the live tail (EventSource
// cannot send headers). With neither configured, the console is open (config.ts allows that on loopback only).
import { timingSafeEqual } from 'node:crypto';
import type { App } from '@tributary/service-kit';
import { CodedError, type JwtVerifier, TokenRejectedError } from '@tributary/service-kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ConsoleError } from '../errors/console-error.ts';
import { setRequestSubject } from './request-user.ts';

export const TOKEN_COOKIE = 'tributary_console_token';
export const READ_SCOPE = 'console:read';
export const WRITE_SCOPE = 'console:write';

export interface ConsoleAuthOptions {
  /** The shared token (CONSOLE_TOKEN): every scope. */
  token?: string;
  /** Verifies bearer JWTs (AUTH_MODE=jwt). */
  verify?: JwtVerifier;
}

interface Caller {
  subject: string | null;
  scopes: ReadonlySet<string>;
}

const EVERY_SCOPE: ReadonlySet<string> = new Set([READ_SCOPE, WRITE_SCOPE]);
const REDRIVE_PATH = '/api/dead-letters/redrive';
/** Callers of a redrive whose scope depends on the body (a dry run needs console:read only). */
const previewers = new WeakMap<FastifyRequest, Caller>();

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function givenToken(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) return /^Bearer +(\S+)\s*$/i.exec(auth)?.[1] ?? '';
  return cookieToken(request.headers.cookie);
}

/**
 * Reading (GET, HEAD) needs console:read; anything else changes something and needs console:write, except
 * a redrive's dry run (it only shows what a redrive would do).
 */
export function scopeFor(method: string): string {
  return method === 'GET' || method === 'HEAD' ? READ_SCOPE : WRITE_SCOPE;
}

function describeMethods(options: ConsoleAuthOptions): string {
  if (options.verify !== undefined && options.token !== undefined) return 'a JWT or CONSOLE_TOKEN';
  return options.verify !== undefined ? 'a JWT' : 'CONSOLE_TOKEN';
}

/** Who the token speaks for; throws 401 (or 503 when the signing keys cannot be fetched). */
async function identify(token: string, options: ConsoleAuthOptions): Promise<Caller> {
  if (options.token !== undefined && same(token, options.token))
    return { subject: null, scopes: EVERY_SCOPE };
  if (options.verify === undefined) {
    throw new ConsoleError('UNAUTHORIZED', "the token is not this console's CONSOLE_TOKEN");
  }
  try {
    const principal = await options.verify(token);
    return { subject: principal.subject, scopes: principal.scopes };
  } catch (err) {
    if (err instanceof TokenRejectedError && err.reason === 'unavailable') {
      throw new CodedError('AUTH_UNAVAILABLE', err.message, { retryAfterSeconds: 1 });
    }
    const why = err instanceof TokenRejectedError ? err.message : 'the token cannot be verified';
    throw new ConsoleError(
      'UNAUTHORIZED',
      options.token !== undefined ? `the token is neither CONSOLE_TOKEN nor an accepted JWT: ${why}` : why,
    );
  }
}

function requireScope(caller: Caller, scope: string): void {
  if (caller.scopes.has(scope)) return;
  throw new CodedError(
    'INSUFFICIENT_SCOPE',
    `this needs the scope ${scope}, which the token does not carry`,
    {
      extra: { requiredScopes: [scope] },
    },
  );
}

/** Guards /api and /v1 when a token or JWTs are configured; the UI's pages and assets stay public. */
export function registerAuth(app: App, options: ConsoleAuthOptions): void {
  const guarded = options.token !== undefined || options.verify !== undefined;
  app.get('/api/session', { schema: { hide: true } }, async () => ({
    tokenRequired: guarded,
    accepts: guarded ? describeMethods(options) : null,
  }));
  app.post(
    '/api/session',
    { schema: { hide: true, body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 8000 }) }) } },
    async (request, reply) => {
      let caller: Caller = { subject: null, scopes: EVERY_SCOPE };
      if (guarded) {
        caller = await identify(request.body.token, options);
        requireScope(caller, READ_SCOPE);
      }
      reply.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(request.body.token)}; HttpOnly; SameSite=Strict; Path=/`,
      );
      return { ok: true, subject: caller.subject, scopes: [...caller.scopes].sort() };
    },
  );
  app.delete('/api/session', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('set-cookie', `${TOKEN_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    return { ok: true };
  });
  if (!guarded) return;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0];
    if (!(path.startsWith('/api/') || path.startsWith('/v1/')) || path === '/api/session') return;
    const token = givenToken(request);
    if (token === undefined || token === '') {
      throw new ConsoleError(
        'UNAUTHORIZED',
        `send Authorization: Bearer <token> with ${describeMethods(options)} (or sign in at /)`,
      );
    }
    const caller = await identify(token, options);
    if (caller.subject !== null) setRequestSubject(request, caller.subject);
    // A redrive's dry run only reads; whether it is one shows in the body, checked once it is parsed.
    if (request.method === 'POST' && path === REDRIVE_PATH) previewers.set(request, caller);
    else requireScope(caller, scopeFor(request.method));
  });
  app.addHook('preHandler', async (request) => {
    const caller = previewers.get(request);
    if (caller === undefined) return;
    const dryRun = (request.body as { dryRun?: boolean } | undefined)?.dryRun !== false;
    requireScope(caller, dryRun ? READ_SCOPE : WRITE_SCOPE);
  });
}
