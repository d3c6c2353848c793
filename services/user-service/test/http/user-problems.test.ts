// Every refusal of the user routes is an RFC 9457 problem+json with a stable code and the request path.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import { fullDiskFor } from '@tributary/database/testing';
import type { App } from '@tributary/service-kit';
import type { LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { buildUserApp } from '../../src/app.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  errors?: { path: string; message: string }[];
}

function assertProblem(res: LightMyRequestResponse, status: number, code: string, instance: string): Problem {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = res.json() as Problem;
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(problem.instance, instance);
  assert.match(problem.type, /^https?:\/\/\S+$/);
  assert.ok(problem.title.length > 0 && problem.detail.length > 0);
  assert.equal(JSON.stringify(problem).includes('    at '), false, 'no stack trace');
  return problem;
}

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`user route problems on ${kind}`, () => {
    let app: App;
    let db: Database;
    let drop: () => Promise<void>;
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/users', payload: payload as string, headers });

    before(async () => {
      const opened = await openTestDatabase(kind);
      drop = opened.drop;
      db = opened.db;
      ({ app } = await buildUserApp({ db: opened.db, logger: pino({ level: 'silent' }) }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await drop();
    });

    it('refuses names made only of invisible characters, and names with bidi controls, with a clear 400', async () => {
      const invisible = ['\u200b\u200b', '\u3164', '\u2800 \u2800', '\ufeff', '\u00a0\u2060', '\u180e\u200d'];
      for (const name of invisible) {
        const problem = assertProblem(
          await post({ email: `${randomUUID()}@example.org`, name }),
          400,
          'INVALID_USER',
          '/users',
        );
        assert.equal(problem.title, 'Invalid user');
        assert.equal(
          problem.detail,
          'name must contain at least one visible character',
          JSON.stringify(name),
        );
      }
      for (const name of ['Ada\u202eecalevoL', 'Ada \u2066Lovelace\u2069', '\u202dAda']) {
        const problem = assertProblem(
          await post({ email: `${randomUUID()}@example.org`, name }),
          400,
          'INVALID_USER',
          '/users',
        );
        assert.match(problem.detail, /must not contain bidirectional control characters/);
      }
      const fine = await post({
        email: `${randomUUID()}@example.org`,
        name: 'Zoë \u0645\u0631\u064a\u0645 李',
      });
      assert.equal(fine.statusCode, 201, 'letters of any script are welcome');
    });

    it('names each offending field with a JSON pointer: unknown, missing and wrongly typed', async () => {
      const unknown = assertProblem(
        await post({ email: 'a@example.org', name: 'A', admin: true }),
        400,
        'VALIDATION_FAILED',
        '/users',
      );
      assert.deepEqual(
        unknown.errors?.map((e) => e.path),
        ['/body/admin'],
      );
      const typed = assertProblem(await post({ email: 42 }), 400, 'VALIDATION_FAILED', '/users');
      assert.deepEqual(typed.errors?.map((e) => e.path).sort(), ['/body/email', '/body/name']);
    });

    it('refuses a body that is not a JSON object', async () => {
      const json = { 'content-type': 'application/json' };
      assertProblem(await post('{"email": "a@example.org",', json), 400, 'MALFORMED_JSON', '/users');
      for (const body of ['[]', 'null', '"a@example.org"', '42']) {
        assertProblem(await post(body, json), 400, 'VALIDATION_FAILED', '/users');
      }
      assertProblem(await app.inject({ method: 'POST', url: '/users' }), 400, 'VALIDATION_FAILED', '/users');
    });

    it('refuses other media types with 415 and bodies over 1 MiB with 413', async () => {
      assertProblem(
        await post('email=a%40example.org&name=A', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        '/users',
      );
      const text = assertProblem(
        await post(JSON.stringify({ email: 'text@example.org', name: 'A' }), {
          'content-type': 'text/plain',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        '/users',
      );
      assert.equal(text.detail, 'Content-Type "text/plain" is not supported; send application/json.');
      assertProblem(
        await app.inject({
          method: 'POST',
          url: '/users/00000000-0000-4000-8000-000000000000/deactivate',
          headers: { 'content-type': 'text/plain' },
          payload: 'please',
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        '/users/00000000-0000-4000-8000-000000000000/deactivate',
      );
      const big = JSON.stringify({ email: 'big@example.org', name: 'x'.repeat(1024 * 1024) });
      assertProblem(
        await post(big, { 'content-type': 'application/json' }),
        413,
        'PAYLOAD_TOO_LARGE',
        '/users',
      );
    });

    it('accepts names of 1 to 200 characters and refuses longer, empty or blank ones', async () => {
      const ok = await post({ email: `${randomUUID()}@example.org`, name: 'n'.repeat(200) });
      assert.equal(ok.statusCode, 201);
      assert.equal(ok.json().name.length, 200);
      assert.equal((await post({ email: `${randomUUID()}@example.org`, name: 'N' })).statusCode, 201);
      for (const name of ['n'.repeat(201), '']) {
        const p = assertProblem(
          await post({ email: `${randomUUID()}@example.org`, name }),
          400,
          'VALIDATION_FAILED',
          '/users',
        );
        assert.deepEqual(
          p.errors?.map((e) => e.path),
          ['/body/name'],
        );
      }
      assertProblem(
        await post({ email: `${randomUUID()}@example.org`, name: '   ' }),
        400,
        'INVALID_USER',
        '/users',
      );
    });

    it('refuses what is not an email address', async () => {
      for (const email of ['plain', 'a@b', '@example.org', 'a @example.org', 'a@exa mple.org']) {
        const res = await post({ email, name: 'A' });
        assert.equal(res.statusCode, 400, email);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      }
    });

    it('answers 409 USER_EMAIL_TAKEN naming the normalized email', async () => {
      const email = `taken-${randomUUID()}@example.org`;
      assert.equal((await post({ email, name: 'First' })).statusCode, 201);
      const p = assertProblem(
        await post({ email: email.toUpperCase(), name: 'Second' }),
        409,
        'USER_EMAIL_TAKEN',
        '/users',
      );
      assert.match(p.detail, new RegExp(email));
    });

    it('answers 404 USER_NOT_FOUND for unknown ids and 400 for malformed ones on every user path', async () => {
      const id = randomUUID();
      assertProblem(await app.inject({ url: `/users/${id}` }), 404, 'USER_NOT_FOUND', `/users/${id}`);
      assertProblem(
        await app.inject({ method: 'POST', url: `/users/${id}/deactivate` }),
        404,
        'USER_NOT_FOUND',
        `/users/${id}/deactivate`,
      );
      for (const bad of ['42', 'not-a-uuid', `${id}x`, "1'%20OR%20'1'='1"]) {
        for (const req of [
          { method: 'GET' as const, url: `/users/${bad}` },
          { method: 'POST' as const, url: `/users/${bad}/deactivate` },
        ]) {
          const res = await app.inject(req);
          assert.equal(res.statusCode, 400, req.url);
          assert.equal(res.json().code, 'VALIDATION_FAILED');
          assert.deepEqual(
            res.json().errors.map((e: { path: string }) => e.path),
            ['/params/id'],
          );
        }
      }
    });

    it('answers 503 with Retry-After, not 500, while the database is out of disk space, and 201 once it has room', async () => {
      const disk = await fullDiskFor(db, 'users', 'INSERT');
      await disk.fill();
      const email = `full-${randomUUID()}@example.org`;
      const refused = await post({ email, name: 'Full' });
      const p = assertProblem(refused, 503, 'DATABASE_UNAVAILABLE', '/users');
      assert.ok(Number(refused.headers['retry-after']) >= 1, 'a Retry-After in seconds');
      assert.match(p.detail, /disk space/);
      await disk.free();
      assert.equal((await post({ email, name: 'Full' })).statusCode, 201);
    });
  });
}
