// Consistency of what the Order Service accepts and answers: user ids in one (lower-case) spelling,
// Idempotency-Keys that compare request bodies canonically, are scoped to their route and expire, and
// bodies nested thousands deep refused with 400 on every route.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildOrderApp } from '../../src/app.ts';
import type { Orders } from '../../src/application/orders.ts';
import { applyUserRegistered } from '../../src/application/user-events.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

const logger = pino({ level: 'silent' });
const HOUR = 60 * 60 * 1000;

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`order consistency on ${kind}`, () => {
    let db: Database | undefined;
    let drop: (() => Promise<void>) | undefined;
    let app: App | undefined;
    let orders: Orders;
    let clock = new Date('2026-03-01T09:00:00.000Z');
    after(async () => {
      await app?.close();
      await drop?.();
    });
    before(async () => {
      ({ db, drop } = await openTestDatabase(kind));
      ({ app, orders } = await buildOrderApp({ db, logger, now: () => clock, idempotencyTtlMs: 24 * HOUR }));
      await app.ready();
    });
    const register = async (userId = randomUUID()) => {
      await applyUserRegistered(
        { orders, logger },
        { id: randomUUID(), correlationId: 'c' },
        { userId, email: `${userId}@x.test`, name: 'N', registeredAt: new Date().toISOString() },
      );
      return userId;
    };
    const post = (payload: string, headers: Record<string, string> = {}) =>
      app!.inject({
        method: 'POST',
        url: '/orders',
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });

    it('answers and emits a user id in lower case whatever case the client sent', async () => {
      const userId = await register();
      const res = await post(
        JSON.stringify({
          userId: userId.toUpperCase(),
          items: [{ sku: 'A', quantity: 1, unitPriceCents: 5 }],
        }),
      );
      assert.equal(res.statusCode, 201);
      const order = res.json();
      assert.equal(order.userId, userId);
      const { rows } = await db!.query<{ payload: { userId: string } | string }>(
        `SELECT payload FROM outbox WHERE aggregate_id = $1 AND event_type = 'tributary.order.placed.v1'`,
        [order.id],
      );
      const payload = typeof rows[0].payload === 'string' ? JSON.parse(rows[0].payload) : rows[0].payload;
      assert.equal(payload.userId, userId, 'the order.placed event carries the canonical id');
      const listed = await app!.inject({ url: `/orders?userId=${userId.toUpperCase()}` });
      assert.deepEqual(
        listed.json().items.map((o: { id: string }) => o.id),
        [order.id],
      );
      const one = await app!.inject({ url: `/orders/${order.id.toUpperCase()}` });
      assert.equal(one.statusCode, 200);
    });

    it('treats a retry whose JSON keys come in another order as the same request', async () => {
      const userId = await register();
      const key = `k-${randomUUID()}`;
      const first = await post(
        `{"userId":"${userId}","items":[{"sku":"A","quantity":2,"unitPriceCents":7}]}`,
        { 'idempotency-key': key },
      );
      const again = await post(
        `{"items":[{"unitPriceCents":7,"quantity":2,"sku":"A"}],"userId":"${userId.toUpperCase()}"}`,
        { 'idempotency-key': key },
      );
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.json().id, first.json().id);
    });

    it('forgets an Idempotency-Key after its lifetime, and the purge removes it', async () => {
      const userId = await register();
      const key = `k-${randomUUID()}`;
      const body = (sku: string) =>
        JSON.stringify({ userId, items: [{ sku, quantity: 1, unitPriceCents: 1 }] });
      const first = await post(body('A'), { 'idempotency-key': key });
      assert.equal(first.statusCode, 201);
      clock = new Date(clock.getTime() + 23 * HOUR);
      const reused = await post(body('B'), { 'idempotency-key': key });
      assert.equal(reused.statusCode, 422, 'within its lifetime the key still guards its first body');
      clock = new Date(clock.getTime() + 2 * HOUR);
      const fresh = await post(body('B'), { 'idempotency-key': key });
      assert.equal(fresh.statusCode, 201, 'an expired key is a new key');
      assert.notEqual(fresh.json().id, first.json().id);
      clock = new Date(clock.getTime() + 25 * HOUR);
      assert.ok((await orders.purgeExpiredIdempotencyKeys()) >= 1);
      const { rows } = await db!.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM idempotency_keys WHERE key = $1',
        [key],
      );
      assert.equal(Number(rows[0].n), 0);
    });

    it('refuses a body nested 5,000 deep with 400 on every route that takes a body', async () => {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const id = randomUUID();
      for (const url of [
        '/orders',
        ...['confirm', 'ship', 'deliver', 'cancel'].map((a) => `/orders/${id}/${a}`),
      ]) {
        for (const payload of [deep, `{"reason":${deep}}`]) {
          const res = await app!.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload,
          });
          assert.equal(res.statusCode, 400, url);
          assert.equal(res.json().code, 'JSON_TOO_DEEP', url);
        }
      }
    });
  });
}
