// User routes through the HTTP host (app.inject) on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildUserApp } from '../../src/app.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

const logger = pino({ level: 'silent' });

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`user routes on ${kind}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let app: App;
    const email = () => `user-${randomUUID()}@example.com`;
    const register = (body: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/users', payload: body as Record<string, unknown>, headers });
    const outboxRows = async (aggregateId: string) =>
      (
        await db.query<{
          event_type: string;
          key: string;
          headers: Record<string, string> | string;
          payload: unknown;
        }>('SELECT event_type, key, headers, payload FROM outbox WHERE aggregate_id = $1 ORDER BY id', [
          aggregateId,
        ])
      ).rows.map((r) => ({
        ...r,
        headers:
          typeof r.headers === 'string' ? (JSON.parse(r.headers) as Record<string, string>) : r.headers,
      }));

    before(async () => {
      ({ db, drop } = await openTestDatabase(kind));
      ({ app } = await buildUserApp({ db, logger }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await drop();
    });

    it('registers a user with a normalized email, a Location and a UserRegistered event in the outbox', async () => {
      const raw = `  Mixed.${randomUUID()}@Example.COM `;
      const res = await register({ email: raw, name: 'Ada Lovelace' }, { 'x-correlation-id': 'corr-reg-1' });
      assert.equal(res.statusCode, 201);
      const user = res.json();
      assert.equal(user.email, raw.trim().toLowerCase());
      assert.equal(user.status, 'active');
      assert.equal(res.headers.location, `/users/${user.id}`);
      const [event] = await outboxRows(user.id);
      assert.equal(event.event_type, 'tributary.user.registered.v1');
      assert.equal(event.key, user.id);
      assert.equal(event.headers.ce_type, 'tributary.user.registered.v1');
      assert.equal(event.headers['correlation-id'], 'corr-reg-1');
      assert.ok(event.headers.ce_id);
    });

    it('refuses a second registration with the same email, in any case, with 409 and no event', async () => {
      const address = email();
      const first = await register({ email: address, name: 'A' });
      const second = await register({ email: address.toUpperCase(), name: 'B' });
      assert.equal(second.statusCode, 409);
      assert.match(String(second.headers['content-type']), /^application\/problem\+json/);
      assert.equal(second.json().code, 'USER_EMAIL_TAKEN');
      const count = await db.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM outbox WHERE payload::text LIKE $1',
        [`%${address}%`],
      );
      assert.equal(Number(count.rows[0].n), 1, 'only the first registration produced an event');
      assert.equal(first.statusCode, 201);
    });

    it('reads a user, 404 for an unknown id, 400 for a malformed one', async () => {
      const { id } = (await register({ email: email(), name: 'R' })).json();
      assert.equal((await app.inject({ url: `/users/${id}` })).json().id, id);
      const missing = await app.inject({ url: `/users/${randomUUID()}` });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'USER_NOT_FOUND');
      assert.equal((await app.inject({ url: '/users/42' })).statusCode, 400);
    });

    it('pages through users with a stable order and refuses a forged cursor', async () => {
      for (let i = 0; i < 5; i++) await register({ email: email(), name: `P${i}` });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 200);
        const page = res.json() as { items: { id: string }[]; nextCursor: string | null };
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length, 'no user twice');
      assert.ok(seen.length >= 5 && pages >= 3);
      const forged = await app.inject({ url: '/users?cursor=Zm9yZ2Vk' });
      assert.equal(forged.statusCode, 400);
      assert.equal(forged.json().code, 'INVALID_CURSOR');
      assert.equal((await app.inject({ url: '/users?limit=101' })).statusCode, 400);
    });

    it('deactivates idempotently: 200 twice, one UserDeactivated event', async () => {
      const { id } = (await register({ email: email(), name: 'D' })).json();
      const first = await app.inject({
        method: 'POST',
        url: `/users/${id}/deactivate`,
        headers: { 'x-correlation-id': 'corr-deact' },
      });
      const second = await app.inject({ method: 'POST', url: `/users/${id}/deactivate` });
      assert.equal(first.statusCode, 200);
      assert.equal(first.json().status, 'inactive');
      assert.equal(second.statusCode, 200);
      assert.equal(second.json().status, 'inactive');
      const events = (await outboxRows(id)).map((e) => e.event_type);
      assert.deepEqual(events, ['tributary.user.registered.v1', 'tributary.user.deactivated.v1']);
      assert.equal(
        (await app.inject({ method: 'POST', url: `/users/${randomUUID()}/deactivate` })).statusCode,
        404,
      );
    });

    it('answers bad input with problem+json and never a 500', async () => {
      const cases = [
        { payload: '{"email":', headers: { 'content-type': 'application/json' }, status: 400 },
        { payload: { email: 42, name: 'x' }, status: 400 },
        { payload: { name: 'no email' }, status: 400 },
        { payload: { email: email(), name: 'x', admin: true }, status: 400 },
        { payload: { email: 'not-an-email', name: 'x' }, status: 400 },
        { payload: { email: email(), name: '' }, status: 400 },
        { payload: '<user/>', headers: { 'content-type': 'application/xml' }, status: 415 },
        {
          payload: JSON.stringify({ email: email(), name: 'x'.repeat(1024 * 1024) }),
          headers: { 'content-type': 'application/json' },
          status: 413,
        },
      ];
      for (const c of cases) {
        const res = await app.inject({
          method: 'POST',
          url: '/users',
          payload: c.payload,
          headers: c.headers,
        });
        assert.equal(res.statusCode, c.status, JSON.stringify(c.payload).slice(0, 60));
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().status, c.status);
      }
    });
  });
}
