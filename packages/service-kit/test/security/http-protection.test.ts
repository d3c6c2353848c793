// Security headers, CORS, the per-client rate limit and Cache-Control on every kind of response, through a
// real HTTP server.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { Type } from 'typebox';
import {
  type App,
  createApp,
  createJwtVerifier,
  createLogger,
  type HttpAuth,
  type HttpProtectionOptions,
  PAGE_CSP,
  SWAGGER_UI_CSP,
} from '../../src/index.ts';

/** A JSON body: a problem document, a route's answer or the OpenAPI document. */
interface Body {
  code?: string;
  status?: number;
  detail?: string;
  requiredScopes?: string[];
  by?: string;
  components?: { securitySchemes: Record<string, { scheme: string }> };
  paths?: Record<string, Record<string, { security: unknown }>>;
}
const bodyOf = async (res: Response) => (await res.json()) as Body;

const logger = createLogger({ name: 'protection-test', level: 'silent' });

async function appWith(protection: HttpProtectionOptions, auth: HttpAuth = { mode: 'development' }) {
  const app = await createApp({ logger, auth, protection });
  app.post(
    '/things',
    {
      config: { scopes: ['things:write'] },
      schema: { body: Type.Object({ name: Type.String() }, { additionalProperties: false }) },
    },
    async (_request, reply) => reply.code(201).send({ email: 'ada@example.com' }),
  );
  app.get('/page', { config: { public: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send('<!doctype html><script src="/app.js"></script>'),
  );
  app.get('/boom', async () => {
    throw new Error('unexpected');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

function assertSecurityHeaders(res: Response, what: string) {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', what);
  assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.ok(res.headers.get('content-security-policy'), `${what}: a Content-Security-Policy`);
}

describe('security headers and Cache-Control', () => {
  let app: App;
  let base: string;
  let token: string;

  before(async () => {
    const keys = await generateKeyPair('ES256');
    const verify = createJwtVerifier({
      publicKeyPem: await exportSPKI(keys.publicKey),
      issuer: 'https://id.example.test/',
      audience: 'things',
    });
    token = await new SignJWT({ scope: 'things:write' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://id.example.test/')
      .setAudience('things')
      .setSubject('c')
      .setExpirationTime('5m')
      .sign(keys.privateKey);
    ({ app, base } = await appWith({ rateLimitMax: 1000 }, { mode: 'jwt', verify }));
  });
  after(() => app?.close());

  it('sends them on successes, every kind of error and the API documentation', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const cases: Array<[string, Promise<Response>, number]> = [
      ['201', fetch(`${base}/things`, { method: 'POST', headers: auth, body: '{"name":"a"}' }), 201],
      ['400', fetch(`${base}/things`, { method: 'POST', headers: auth, body: '{"nom":"a"}' }), 400],
      ['401', fetch(`${base}/things`, { method: 'POST', body: '{}' }), 401],
      ['404', fetch(`${base}/nowhere`, { headers: auth }), 404],
      [
        '405',
        fetch(`${base}/things`, { method: 'DELETE', headers: { authorization: auth.authorization } }),
        405,
      ],
      ['500', fetch(`${base}/boom`, { headers: auth }), 500],
      ['health', fetch(`${base}/health/live`), 200],
      ['openapi', fetch(`${base}/swagger/json`), 200],
      ['swagger ui', fetch(`${base}/swagger/`), 200],
      ['swagger asset', fetch(`${base}/swagger/static/swagger-ui-bundle.js`), 200],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      assert.equal(res.status, status, what);
      assertSecurityHeaders(res, what);
      if (!what.startsWith('swagger')) assert.equal(res.headers.get('cache-control'), 'no-store', what);
      await res.arrayBuffer();
    }
  });

  it('forbids scripts and framing on the API and lets Swagger UI load its own scripts and styles', async () => {
    const api = await fetch(`${base}/health/live`);
    assert.match(api.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(api.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const ui = await fetch(`${base}/swagger/`);
    assert.equal(ui.headers.get('content-security-policy'), SWAGGER_UI_CSP);
    const page = await fetch(`${base}/page`);
    assert.equal(
      page.headers.get('content-security-policy'),
      PAGE_CSP,
      'an HTML page of the app runs its scripts',
    );
    assert.match(PAGE_CSP, /script-src 'self'(;|$)/);
    const html = await ui.text();
    // Every script the page loads comes from this origin, none inline (script-src 'self').
    assert.doesNotMatch(html, /<script>(?!\s*<\/script>)/);
    assert.match(html, /<script src="\.\/static\/swagger-ui-bundle\.js"/);
  });
});

describe('rate limit', () => {
  it('answers 429 problem+json with Retry-After once a client exceeds its limit, health stays open', async (t) => {
    const { app, base } = await appWith({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
    t.after(() => app.close());
    const post = () =>
      fetch(`${base}/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"a"}',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post()).status);
    assert.deepEqual(statuses, [201, 201, 201]);
    const limited = await post();
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After in seconds');
    assertSecurityHeaders(limited, '429');
    const problem = await bodyOf(limited);
    assert.equal(problem.code, 'RATE_LIMITED');
    assert.equal(problem.status, 429);
    assert.equal((await fetch(`${base}/health/live`)).status, 200);
  });

  it('is off with a maximum of 0', async (t) => {
    const { app, base } = await appWith({ rateLimitMax: 0 });
    t.after(() => app.close());
    for (let i = 0; i < 150; i++) assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless origins are configured', async (t) => {
    const { app, base } = await appWith({});
    t.after(() => app.close());
    const res = await fetch(`${base}/health/live`, { headers: { origin: 'https://shop.example.test' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('allows the configured origins only, preflight included', async (t) => {
    const { app, base } = await appWith({ corsOrigins: ['https://shop.example.test'] });
    t.after(() => app.close());
    const preflight = await fetch(`${base}/things`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example.test');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const other = await fetch(`${base}/health/live`, { headers: { origin: 'https://evil.example.test' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
