// The User Service's routes behind JWT authentication configured as a deployment would (a public key file):
// reads need users:read, writes users:write, health and documentation stay open.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import { type App, httpSecurityFromConfig } from '@tributary/service-kit';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { buildUserApp } from '../../src/app.ts';
import { openTestDatabase } from '../support/db-fixture.ts';

describe('user routes with JWT authentication', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let app: App;
  let dir: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const token = (scope: string) =>
    new SignJWT({ scope })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://id.example.test/')
      .setAudience('user-service')
      .setSubject('shop-frontend')
      .setExpirationTime('5m')
      .sign(keys.privateKey);
  const bearer = async (scope: string) => ({ authorization: `Bearer ${await token(scope)}` });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-auth-'));
    keys = await generateKeyPair('ES256');
    await writeFile(join(dir, 'issuer.pem'), await exportSPKI(keys.publicKey));
    const security = httpSecurityFromConfig({
      AUTH_MODE: 'jwt',
      AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'issuer.pem'),
      AUTH_ISSUER: 'https://id.example.test/',
      AUTH_AUDIENCE: 'user-service',
      RATE_LIMIT_MAX: 1000,
      RATE_LIMIT_WINDOW_MS: 1000,
    });
    ({ db, drop } = await openTestDatabase('postgres'));
    ({ app } = await buildUserApp({ db, logger: pino({ level: 'silent' }), security }));
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await drop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers with users:write and reads with users:read, no-store on the personal data', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/users',
      headers: await bearer('users:write'),
      payload: { email: `auth-${Date.now()}@example.com`, name: 'Ada' },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const read = await app.inject({
      url: `/users/${created.json().id}`,
      headers: await bearer('users:read'),
    });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().name, 'Ada');
  });

  it('refuses to register with only users:read (403) and without a token (401), writing nothing', async () => {
    const email = `refused-${Date.now()}@example.com`;
    const readOnly = await app.inject({
      method: 'POST',
      url: '/users',
      headers: await bearer('users:read'),
      payload: { email, name: 'Eve' },
    });
    assert.equal(readOnly.statusCode, 403);
    assert.equal(readOnly.json().code, 'INSUFFICIENT_SCOPE');
    const anonymous = await app.inject({ method: 'POST', url: '/users', payload: { email, name: 'Eve' } });
    assert.equal(anonymous.statusCode, 401);
    const listed = await app.inject({ url: '/users?limit=100', headers: await bearer('users:read') });
    assert.ok(!JSON.stringify(listed.json()).includes(email));
    const deactivate = await app.inject({
      method: 'POST',
      url: '/users/00000000-0000-4000-8000-000000000000/deactivate',
      headers: await bearer('users:read'),
    });
    assert.equal(deactivate.statusCode, 403);
  });

  it('keeps health and the API documentation open, documenting each route scope', async () => {
    assert.equal((await app.inject({ url: '/health/live' })).statusCode, 200);
    const doc = (await app.inject({ url: '/swagger/json' })).json();
    assert.deepEqual(doc.paths['/users'].post.security, [{ bearerAuth: ['users:write'] }]);
    assert.deepEqual(doc.paths['/users'].get.security, [{ bearerAuth: ['users:read'] }]);
  });
});
