// The console behind JWT bearer tokens configured as a deployment would (AUTH_MODE=jwt and a public key
// file, read by service-kit), alongside the shared CONSOLE_TOKEN: console:read to look, console:write to
// change anything, the sign-in cookie for the live tail, the token's subject in the audit log.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { consoleAuthFromConfig, describeConsoleAuth, readConfig } from '../../src/config.ts';
import { useConsole } from '../support/console-fixture.ts';

const TOKEN = 'a-long-enough-shared-token';
const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'tributary-console';
const keys = await generateKeyPair('ES256');
const keyDir = await mkdtemp(join(tmpdir(), 'console-jwt-'));
const keyFile = join(keyDir, 'issuer.pem');
await writeFile(keyFile, await exportSPKI(keys.publicKey));
const config = readConfig({
  HOST: '0.0.0.0',
  AUTH_MODE: 'jwt',
  AUTH_JWT_PUBLIC_KEY_FILE: keyFile,
  AUTH_ISSUER: ISSUER,
  AUTH_AUDIENCE: AUDIENCE,
  CONSOLE_TOKEN: TOKEN,
});
const auth = consoleAuthFromConfig(config);
const fx = useConsole({ token: auth.token, verify: auth.verify });
after(() => rm(keyDir, { recursive: true, force: true }));

const jwt = (scope: string, options: { issuer?: string; expires?: string; subject?: string } = {}) =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(options.subject ?? 'alice@example.test')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(keys.privateKey);
const bearer = async (scope: string, options?: Parameters<typeof jwt>[1]) => ({
  authorization: `Bearer ${await jwt(scope, options)}`,
});

describe('console JWT authentication', { timeout: 60_000 }, () => {
  it('says how it authenticates in its start log line', () => {
    assert.match(
      describeConsoleAuth(auth, config),
      /JWT bearer tokens from https:\/\/id\.example\.test\/.*and CONSOLE_TOKEN/,
    );
  });

  it('serves views and dry runs to a JWT with console:read and refuses changes without console:write (403)', async () => {
    const read = await fx.app.inject({ url: '/api/cluster', headers: await bearer('console:read') });
    assert.equal(read.statusCode, 200);
    const change = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      headers: await bearer('console:read'),
      payload: { failureGroup: 'none', confirm: true },
    });
    assert.equal(change.statusCode, 403);
    assert.equal(change.json().code, 'INSUFFICIENT_SCOPE');
    assert.deepEqual(change.json().requiredScopes, ['console:write']);
    const allowed = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      headers: await bearer('console:read console:write'),
      payload: { failureGroup: 'none', confirm: true },
    });
    assert.equal(allowed.statusCode, 404, 'past authentication: the failure group does not exist');
    const preview = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      headers: await bearer('console:read'),
      payload: { failureGroup: 'none' },
    });
    assert.equal(preview.statusCode, 404, 'a dry run only reads: past authentication, no such group');
    const redrive = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      headers: await bearer('console:read'),
      payload: { failureGroup: 'none', dryRun: false, confirm: true },
    });
    assert.equal(redrive.statusCode, 403);
    const noScope = await fx.app.inject({ url: '/api/cluster', headers: await bearer('users:read') });
    assert.equal(noScope.statusCode, 403);
  });

  it('refuses expired tokens, other issuers and garbage with 401 saying why', async () => {
    for (const [headers, why] of [
      [await bearer('console:read', { expires: '10 min ago' }), /expired/],
      [await bearer('console:read', { issuer: 'https://elsewhere.test/' }), /not issued by/],
      [{ authorization: 'Bearer not-a-jwt' }, /neither CONSOLE_TOKEN nor an accepted JWT/],
      [{}, /Authorization: Bearer/],
    ] as const) {
      const res = await fx.app.inject({ url: '/api/cluster', headers });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'UNAUTHORIZED');
      assert.match(res.json().detail, why);
    }
  });

  it('still takes CONSOLE_TOKEN, with every scope', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { failureGroup: 'none', confirm: true },
    });
    assert.equal(res.statusCode, 404);
  });

  it('signs a browser in with a JWT (cookie for the live tail) and records its subject in the audit log', async () => {
    const refused = await fx.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token: await jwt('console:read', { expires: '10 min ago' }) },
    });
    assert.equal(refused.statusCode, 401);
    const token = await jwt('console:read console:write', { subject: 'bob@example.test' });
    const signIn = await fx.app.inject({ method: 'POST', url: '/api/session', payload: { token } });
    assert.equal(signIn.statusCode, 200);
    assert.equal(signIn.json().subject, 'bob@example.test');
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    assert.equal((await fx.app.inject({ url: '/api/catalog', headers: { cookie } })).statusCode, 200);
    await fx.context.cluster.createTopic('audited', 1);
    await fx.context.cluster.createTopic('audited.billing.dlq', 1);
    const reset = await fx.app.inject({
      method: 'POST',
      url: '/api/dead-letters/discard',
      headers: { cookie, 'x-console-user': 'someone else' },
      payload: { items: [{ dlq: 'audited.billing.dlq', partition: 0, offset: '0' }], confirm: true },
    });
    assert.equal(reset.statusCode, 404);
    const audit = (await fx.app.inject({ url: '/api/audit', headers: { cookie } })).json().entries as {
      who: string;
      action: string;
    }[];
    assert.match(audit[0]?.who ?? '', /^bob@example\.test \(/);
  });

  it('checks the JWT settings and keeps AUTH_MODE=development open on loopback only', () => {
    assert.throws(
      () =>
        consoleAuthFromConfig(
          readConfig({ AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'https://id.example.test/jwks' }),
        ),
      /AUTH_ISSUER[\s\S]*AUTH_AUDIENCE/,
    );
    assert.throws(() => readConfig({ HOST: '0.0.0.0', AUTH_MODE: 'development' }), /CONSOLE_TOKEN/);
    const open = readConfig({ AUTH_MODE: 'development' });
    assert.match(describeConsoleAuth(consoleAuthFromConfig(open), open), /authentication: none/);
    const shared = readConfig({ HOST: '0.0.0.0', AUTH_MODE: 'development', CONSOLE_TOKEN: TOKEN });
    assert.deepEqual(consoleAuthFromConfig(shared), { token: TOKEN });
  });
});
