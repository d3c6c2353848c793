// The events behind the routes: what the outbox holds after each change (payload, CloudEvents headers,
// key, correlation id, trace) and that a refused change leaves neither a row nor an event behind.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import type { Database } from '@tributary/database';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildUserApp } from '../../src/app.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

interface OutboxRow {
  aggregate_type: string;
  topic: string;
  key: string;
  event_type: string;
  payload: unknown;
  headers: Record<string, string>;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`user events on ${kind}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let app: App;
    const clock = new Date('2026-02-03T04:05:06.789Z');

    const outboxRows = async (aggregateId: string): Promise<OutboxRow[]> => {
      const { rows } = await db.query<OutboxRow & { headers: unknown; payload: string }>(
        'SELECT aggregate_type, topic, key, event_type, payload, headers FROM outbox WHERE aggregate_id = $1 ORDER BY id',
        [aggregateId],
      );
      return rows.map((r) => ({
        ...r,
        payload: JSON.parse(r.payload),
        headers: (typeof r.headers === 'string' ? JSON.parse(r.headers) : r.headers) as Record<
          string,
          string
        >,
      }));
    };
    const count = async (sql: string, params: unknown[]) =>
      Number((await db.query<{ n: string | number }>(sql, params)).rows[0].n);

    before(async () => {
      ({ db, drop } = await openTestDatabase(kind));
      ({ app } = await buildUserApp({ db, logger: pino({ level: 'silent' }), now: () => clock }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await drop();
    });

    it('writes UserRegistered v1 to the users topic, keyed by the user id, with CloudEvents headers', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { email: ' Grace@Example.org', name: 'Grace Hopper' },
        headers: { 'x-correlation-id': 'corr-events-1', traceparent: CALLER_TRACEPARENT },
      });
      assert.equal(res.statusCode, 201);
      const user = res.json() as { id: string };
      const rows = await outboxRows(user.id);
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row.topic, 'users');
      assert.equal(row.key, user.id);
      assert.equal(row.aggregate_type, 'user');
      assert.equal(row.event_type, UserRegisteredV1.ceType);
      assert.equal(row.event_type, 'tributary.user.registered.v1');
      assert.deepEqual(row.payload, {
        userId: user.id,
        email: 'grace@example.org',
        name: 'Grace Hopper',
        registeredAt: clock.toISOString(),
      });
      const h = row.headers;
      assert.equal(h.ce_type, 'tributary.user.registered.v1');
      assert.equal(h.ce_source, '/tributary/user-service');
      assert.equal(h.ce_specversion, '1.0');
      assert.equal(h.ce_time, clock.toISOString());
      assert.equal(h['content-type'], 'application/json');
      assert.equal(h['correlation-id'], 'corr-events-1');
      assert.match(h.ce_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // The event continues the caller's trace as a child span.
      const [version, traceId, spanId] = h.traceparent.split('-');
      assert.equal(version, '00');
      assert.equal(traceId, TRACE_ID);
      assert.notEqual(spanId, '00f067aa0ba902b7');
    });

    it('puts the correlation id it generated for a request without one on the event', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { email: `${randomUUID()}@example.org`, name: 'No Correlation' },
      });
      assert.equal(res.statusCode, 201);
      const generated = res.headers['x-correlation-id'];
      assert.ok(typeof generated === 'string' && generated.length > 0);
      const [row] = await outboxRows(res.json().id);
      assert.equal(row.headers['correlation-id'], generated);
      assert.match(row.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    });

    it('gives every event its own ce_id', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/users',
          payload: { email: `${randomUUID()}@example.org`, name: `U${i}` },
        });
        ids.add((await outboxRows(res.json().id))[0].headers.ce_id);
      }
      assert.equal(ids.size, 3);
    });

    it('writes UserDeactivated v1 once, with the deactivating request correlation id', async () => {
      const { id } = (
        await app.inject({
          method: 'POST',
          url: '/users',
          payload: { email: `${randomUUID()}@example.org`, name: 'Leaving' },
        })
      ).json();
      for (const correlation of ['corr-deactivate-1', 'corr-deactivate-2']) {
        const res = await app.inject({
          method: 'POST',
          url: `/users/${id}/deactivate`,
          headers: { 'x-correlation-id': correlation },
        });
        assert.equal(res.statusCode, 200);
      }
      const rows = await outboxRows(id);
      assert.deepEqual(
        rows.map((r) => r.event_type),
        [UserRegisteredV1.ceType, UserDeactivatedV1.ceType],
      );
      const deactivated = rows[1];
      assert.equal(deactivated.event_type, 'tributary.user.deactivated.v1');
      assert.equal(deactivated.topic, 'users');
      assert.equal(deactivated.key, id);
      assert.deepEqual(deactivated.payload, { userId: id, deactivatedAt: clock.toISOString() });
      assert.equal(deactivated.headers.ce_type, 'tributary.user.deactivated.v1');
      assert.equal(deactivated.headers['correlation-id'], 'corr-deactivate-1');
    });

    it('leaves no user row and no event behind when the registration transaction fails', async () => {
      const email = `dup-${randomUUID()}@example.org`;
      assert.equal(
        (await app.inject({ method: 'POST', url: '/users', payload: { email, name: 'First' } })).statusCode,
        201,
      );
      const before = await count('SELECT count(*) AS n FROM outbox', []);
      const dup = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { email: `  ${email.toUpperCase()} `, name: 'Second' },
      });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().code, 'USER_EMAIL_TAKEN');
      assert.equal(
        await count('SELECT count(*) AS n FROM outbox', []),
        before,
        'no event for the refused user',
      );
      assert.equal(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email]), 1);
      assert.equal(await count('SELECT count(*) AS n FROM users WHERE name = $1', ['Second']), 0);
    });

    it('refuses with 400 INVALID_USER, writing nothing, emails the UserRegistered contract would refuse', async () => {
      const before = await count('SELECT count(*) AS n FROM outbox', []);
      const users = await count('SELECT count(*) AS n FROM users', []);
      for (const email of ['a..b@x.io', '.a@x.io', 'a@-x.io', 'ä@x.io', `a@${'x'.repeat(64)}.io`]) {
        const res = await app.inject({ method: 'POST', url: '/users', payload: { email, name: 'A' } });
        assert.equal(res.statusCode, 400, email);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, 'INVALID_USER', email);
        assert.equal(problem.title, 'Invalid user');
        assert.equal(problem.detail, `'${email}' is not an email address`);
      }
      assert.equal(await count('SELECT count(*) AS n FROM outbox', []), before);
      assert.equal(await count('SELECT count(*) AS n FROM users', []), users);
    });

    it('registers unusual emails the contract allows, and their event passes the contract', async () => {
      const email = `o'brien+${randomUUID()}@sub-domain.example.io`;
      const res = await app.inject({ method: 'POST', url: '/users', payload: { email, name: 'Pat' } });
      assert.equal(res.statusCode, 201, res.body);
      const [event] = await outboxRows(res.json().id);
      assert.equal(UserRegisteredV1.check(event.payload), true);
      assert.equal((event.payload as { email: string }).email, email);
    });

    it('refuses control characters in the name and email with 400, writing nothing', async () => {
      const before = await count('SELECT count(*) AS n FROM outbox', []);
      const users = await count('SELECT count(*) AS n FROM users', []);
      for (const [payload, path] of [
        [{ email: `nul-${randomUUID()}@example.org`, name: 'A\u0000B' }, '/body/name'],
        [{ email: `bell-${randomUUID()}@example.org`, name: 'Ring\u0007' }, '/body/name'],
        [{ email: '"a\u0000"@example.org', name: 'A' }, '/body/email'],
      ] as const) {
        const res = await app.inject({ method: 'POST', url: '/users', payload });
        assert.equal(res.statusCode, 400, path);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, 'VALIDATION_FAILED');
        assert.equal(problem.title, 'Validation failed');
        assert.equal(problem.detail, 'The request body does not match its schema.');
        assert.deepEqual(problem.errors, [
          { path, message: 'must not contain control characters or line breaks' },
        ]);
      }
      assert.equal(await count('SELECT count(*) AS n FROM outbox', []), before);
      assert.equal(await count('SELECT count(*) AS n FROM users', []), users);
    });

    it('writes nothing for refused requests: bad body, unknown user, malformed id', async () => {
      const before = await count('SELECT count(*) AS n FROM outbox', []);
      const users = await count('SELECT count(*) AS n FROM users', []);
      const responses = await Promise.all([
        app.inject({ method: 'POST', url: '/users', payload: { email: 'nope', name: 'x' } }),
        app.inject({
          method: 'POST',
          url: '/users',
          payload: { email: 'a@example.org', name: 'x', role: 'admin' },
        }),
        app.inject({ method: 'POST', url: `/users/${randomUUID()}/deactivate` }),
        app.inject({ method: 'POST', url: '/users/not-a-uuid/deactivate' }),
      ]);
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        [400, 400, 404, 400],
      );
      assert.equal(await count('SELECT count(*) AS n FROM outbox', []), before);
      assert.equal(await count('SELECT count(*) AS n FROM users', []), users);
    });
  });
}
