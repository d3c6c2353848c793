// Bearer-token authentication through a real HTTP server: tokens minted with jose, verified against a local
// public key and against a JWKS served over HTTP.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { Type } from 'typebox';
import { type App, createApp, createJwtVerifier, createLogger, type HttpAuth } from '../../src/index.ts';

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

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'user-service';
const logger = createLogger({ name: 'auth-test', level: 'silent' });

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

async function mint(keys: Keys, claims: JWTPayload & { exp?: number }, kid = 'k1'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject(claims.sub ?? 'client-1')
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(keys.privateKey);
}

async function appWith(auth: HttpAuth): Promise<App> {
  const app = await createApp({ logger, auth });
  app.post(
    '/things',
    {
      config: { scopes: ['things:write'] },
      schema: { body: Type.Object({ name: Type.String() }) },
    },
    async (request, reply) => reply.code(201).send({ by: request.principal?.subject }),
  );
  app.get('/things', { config: { scopes: ['things:read'] } }, async (request) => ({
    by: request.principal?.subject,
  }));
  app.get('/open', { config: { public: true } }, async () => ({ open: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const urlOf = (app: App) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

describe('bearer JWT authentication with a local public key', () => {
  let keys: Keys;
  let otherKeys: Keys;
  let app: App;
  let base: string;
  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token !== undefined ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  before(async () => {
    keys = await generateKeyPair('ES256', { extractable: true });
    otherKeys = await generateKeyPair('ES256');
    const verify = createJwtVerifier({
      publicKeyPem: await exportSPKI(keys.publicKey),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    app = await appWith({ mode: 'jwt', verify });
    base = urlOf(app);
  });
  after(() => app?.close());

  it('answers a request without a token 401 problem+json with a Bearer challenge', async () => {
    const res = await call('/things');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tributary"');
    const problem = await bodyOf(res);
    assert.equal(problem.code, 'UNAUTHENTICATED');
    assert.equal(problem.status, 401);
  });

  it('answers a malformed Authorization header 401 invalid_request', async () => {
    const res = await call('/things', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    assert.equal((await bodyOf(res)).code, 'UNAUTHENTICATED');
  });

  it('accepts a valid token carrying the route scope and exposes its subject', async () => {
    const token = await mint(keys, { scope: 'things:read things:write', sub: 'ada' });
    const read = await call('/things', { token });
    assert.equal(read.status, 200);
    assert.deepEqual(await bodyOf(read), { by: 'ada' });
    const write = await call('/things', { token, method: 'POST', body: JSON.stringify({ name: 'x' }) });
    assert.equal(write.status, 201);
  });

  it('takes scopes from an scp array too', async () => {
    const token = await mint(keys, { scp: ['things:read'] });
    assert.equal((await call('/things', { token })).status, 200);
  });

  it('refuses an expired token with 401 INVALID_TOKEN saying it expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await mint(keys, { scope: 'things:read', exp: past });
    const res = await call('/things', { token });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const problem = await bodyOf(res);
    assert.equal(problem.code, 'INVALID_TOKEN');
    assert.match(problem.detail ?? '', /expired/);
  });

  it('refuses a token for another audience', async () => {
    const token = await mint(keys, { scope: 'things:read', aud: 'order-service' });
    const res = await call('/things', { token });
    assert.equal(res.status, 401);
    const problem = await bodyOf(res);
    assert.equal(problem.code, 'INVALID_TOKEN');
    assert.match(problem.detail ?? '', /audience must include user-service/);
  });

  it('refuses a token from another issuer', async () => {
    const token = await mint(keys, { scope: 'things:read', iss: 'https://evil.example.test/' });
    const res = await call('/things', { token });
    assert.equal(res.status, 401);
    assert.match((await bodyOf(res)).detail ?? '', /not issued by/);
  });

  it('refuses a token signed by another key, and an unsigned one', async () => {
    const forged = await mint(otherKeys, { scope: 'things:read' });
    const res = await call('/things', { token: forged });
    assert.equal(res.status, 401);
    assert.equal((await bodyOf(res)).code, 'INVALID_TOKEN');
    const [, payload] = forged.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const unsigned = await call('/things', { token: `${header}.${payload}.` });
    assert.equal(unsigned.status, 401);
  });

  it('answers a valid token lacking the route scope 403 INSUFFICIENT_SCOPE naming it', async () => {
    const token = await mint(keys, { scope: 'things:read' });
    const res = await call('/things', { token, method: 'POST', body: JSON.stringify({ name: 'x' }) });
    assert.equal(res.status, 403);
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /error="insufficient_scope", .*scope="things:write"/,
    );
    const problem = await bodyOf(res);
    assert.equal(problem.code, 'INSUFFICIENT_SCOPE');
    assert.deepEqual(problem.requiredScopes, ['things:write']);
  });

  it('checks the token before the body: an unauthenticated bad body is 401, not 400', async () => {
    const res = await call('/things', { method: 'POST', body: '{"broken' });
    assert.equal(res.status, 401);
  });

  it('serves health, the API documentation and public routes without a token', async () => {
    for (const path of ['/health/live', '/swagger/json', '/swagger', '/open']) {
      const res = await call(path);
      assert.equal(res.status, 200, path);
    }
    const doc = await bodyOf(await call('/swagger/json'));
    assert.equal(doc.components?.securitySchemes.bearerAuth.scheme, 'bearer');
    assert.deepEqual(doc.paths?.['/things'].post.security, [{ bearerAuth: ['things:write'] }]);
    assert.deepEqual(doc.paths?.['/health/live'].get.security, []);
  });
});

describe('bearer JWT authentication against a JWKS URL', () => {
  let keys: Keys;
  let jwks: Server;
  let app: App;
  let base: string;
  let serveKeys = true;
  const jwksUrl = () => `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

  before(async () => {
    keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => {
      if (!serveKeys) {
        res.writeHead(500).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const verify = createJwtVerifier({ jwksUrl: jwksUrl(), issuer: ISSUER, audience: AUDIENCE });
    app = await appWith({ mode: 'jwt', verify });
    base = urlOf(app);
  });
  after(async () => {
    await app?.close();
    jwks?.close();
  });

  it('verifies a token with the key the JWKS serves', async () => {
    const token = await mint(keys, { scope: 'things:read', sub: 'svc' });
    const res = await fetch(`${base}/things`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await bodyOf(res), { by: 'svc' });
  });

  it('answers 503 with Retry-After while the key set cannot be fetched', async (t) => {
    serveKeys = false;
    // A verifier that has not fetched the keys yet (one that has keeps them cached).
    const verify = createJwtVerifier({ jwksUrl: jwksUrl(), issuer: ISSUER, audience: AUDIENCE });
    const cold = await appWith({ mode: 'jwt', verify });
    t.after(() => cold.close());
    const token = await mint(keys, { scope: 'things:read' });
    const res = await fetch(`${urlOf(cold)}/things`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal((await bodyOf(res)).code, 'AUTH_UNAVAILABLE');
  });
});

describe('development mode', () => {
  it('serves every route without a token, with the route scopes granted', async (t) => {
    const app = await appWith({ mode: 'development' });
    t.after(() => app.close());
    const res = await fetch(`${urlOf(app)}/things`);
    assert.equal(res.status, 200);
    assert.deepEqual(await bodyOf(res), { by: 'development' });
  });
});

describe('verified tokens taken from memory', () => {
  it('accepts a token it verified before, but never after its expiry, and never a tampered copy', async () => {
    const keys = await generateKeyPair('ES256');
    let clock = Date.now();
    const verify = createJwtVerifier({
      publicKeyPem: await exportSPKI(keys.publicKey),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => new Date(clock),
    });
    const exp = Math.floor(clock / 1000) + 30;
    const token = await mint(keys, { scope: 'things:read', sub: 'ada', exp });
    assert.equal((await verify(token)).subject, 'ada');
    clock += 20_000;
    assert.equal((await verify(token)).subject, 'ada', 'still valid 20 s later');
    // A character inside the signature changed (the last one may carry only padding bits): another string,
    // verified (and refused) on its own.
    const at = token.length - 10;
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    await assert.rejects(verify(tampered), (err: Error & { reason?: string }) => err.reason === 'invalid');
    // 10 s past `exp` (beyond the 5 s clock tolerance) and well within the 60 s a verification is kept.
    clock = (exp + 10) * 1000;
    await assert.rejects(verify(token), (err: Error & { reason?: string }) => err.reason === 'expired');
  });
});
