// A shared token guards the API when the console listens beyond loopback: `Authorization: Bearer <token>`
// from scripts, or a cookie the browser gets from POST /api/session (EventSource cannot send headers).
import { timingSafeEqual } from 'node:crypto';
import type { App } from '@tributary/service-kit';
import { Type } from 'typebox';
import { ConsoleError } from '../errors/console-error.ts';

export const TOKEN_COOKIE = 'tributary_console_token';

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

/** Guards /api and /v1 when `token` is set; the UI's own pages and assets stay public (they hold no data). */
export function registerAuth(app: App, token: string | undefined): void {
  app.get('/api/session', { schema: { hide: true } }, async () => ({ tokenRequired: token !== undefined }));
  app.post(
    '/api/session',
    { schema: { hide: true, body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000 }) }) } },
    async (request, reply) => {
      if (token !== undefined && !same(request.body.token, token)) {
        throw new ConsoleError('UNAUTHORIZED', "the token is not this console's CONSOLE_TOKEN");
      }
      reply.header(
        'set-cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(request.body.token)}; HttpOnly; SameSite=Strict; Path=/`,
      );
      return { ok: true };
    },
  );
  if (token === undefined) return;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0];
    if (!(path.startsWith('/api/') || path.startsWith('/v1/')) || path === '/api/session') return;
    const auth = request.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : cookieToken(request.headers.cookie);
    if (given === undefined || !same(given, token)) {
      throw new ConsoleError('UNAUTHORIZED', 'send Authorization: Bearer <CONSOLE_TOKEN> (or sign in at /)');
    }
  });
}
