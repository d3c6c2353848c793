// Order routes through the HTTP host (app.inject) on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '@tributary/database';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildOrderApp } from '../../src/app.ts';
import type { Orders } from '../../src/application/orders.ts';
import { applyUserDeactivated, applyUserRegistered } from '../../src/application/user-events.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

const logger = pino({ level: 'silent' });

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`order routes on ${kind}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let app: App;
    let orders: Orders;
    const register = async (userId = randomUUID()) => {
      await applyUserRegistered(
        { orders, logger },
        { id: randomUUID(), correlationId: 'c' },
        { userId, email: `${userId}@x.test`, name: 'N', registeredAt: new Date().toISOString() },
      );
      return userId;
    };
    const deactivate = (userId: string, id = randomUUID()) =>
      applyUserDeactivated(
        { orders, logger },
        { id, correlationId: 'deact-corr' },
        { userId, deactivatedAt: new Date().toISOString() },
      );
    const place = (
      userId: string,
      headers: Record<string, string> = {},
      items = [{ sku: 'A-1', quantity: 3, unitPriceCents: 250 }],
    ) => app.inject({ method: 'POST', url: '/orders', headers, payload: { userId, items } });
    const outboxRows = async (aggregateId: string) =>
      (
        await db.query<{ event_type: string; key: string; headers: Record<string, string> | string }>(
          'SELECT event_type, key, headers FROM outbox WHERE aggregate_id = $1 ORDER BY id',
          [aggregateId],
        )
      ).rows.map((r) => ({
        ...r,
        headers:
          typeof r.headers === 'string' ? (JSON.parse(r.headers) as Record<string, string>) : r.headers,
      }));

    before(async () => {
      ({ db, drop } = await openTestDatabase(kind));
      ({ app, orders } = await buildOrderApp({ db, logger }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await drop();
    });

    it('places a Pending order with the total computed, a Location and an OrderPlaced event in the outbox', async () => {
      const userId = await register();
      const res = await place(userId, { 'x-correlation-id': 'corr-place-1' });
      assert.equal(res.statusCode, 201);
      const order = res.json();
      assert.equal(order.status, 'Pending');
      assert.equal(order.totalCents, 750);
      assert.equal(res.headers.location, `/orders/${order.id}`);
      const [event] = await outboxRows(order.id);
      assert.equal(event.event_type, 'tributary.order.placed.v1');
      assert.equal(event.key, order.id);
      assert.equal(event.headers['correlation-id'], 'corr-place-1');
      assert.equal(event.headers.ce_specversion, '1.0');
    });

    it('refuses a user not known yet with a retryable 422 (Retry-After), and an inactive user with 422', async () => {
      const unknown = await place(randomUUID());
      assert.equal(unknown.statusCode, 422);
      assert.match(String(unknown.headers['content-type']), /^application\/problem\+json/);
      assert.equal(unknown.json().code, 'USER_UNKNOWN');
      assert.equal(unknown.json().title, 'User not known yet');
      assert.match(unknown.json().detail, /is known to the Order Service yet.*retry after 1 s/);
      assert.equal(unknown.headers['retry-after'], '1');
      const userId = await register();
      await deactivate(userId);
      const inactive = await place(userId);
      assert.equal(inactive.statusCode, 422);
      assert.equal(inactive.json().code, 'USER_INACTIVE');
    });

    it('answers a retried POST with the same Idempotency-Key with the first order, and refuses a different body', async () => {
      const userId = await register();
      const first = await place(userId, { 'idempotency-key': `k-${userId}` });
      const again = await place(userId, { 'idempotency-key': `k-${userId}` });
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201);
      assert.deepEqual(again.json(), first.json());
      const listed = await app.inject({ url: `/orders?userId=${userId}` });
      assert.equal(listed.json().items.length, 1, 'one order, not two');
      const other = await place(userId, { 'idempotency-key': `k-${userId}` }, [
        { sku: 'B', quantity: 1, unitPriceCents: 1 },
      ]);
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('walks the lifecycle and refuses other transitions with 409 naming the current status', async () => {
      const userId = await register();
      const { id } = (await place(userId)).json();
      for (const [action, status] of [
        ['confirm', 'Confirmed'],
        ['ship', 'Shipped'],
        ['deliver', 'Delivered'],
      ]) {
        const res = await app.inject({ method: 'POST', url: `/orders/${id}/${action}` });
        assert.equal(res.statusCode, 200);
        assert.equal(res.json().status, status);
      }
      const cancel = await app.inject({ method: 'POST', url: `/orders/${id}/cancel` });
      assert.equal(cancel.statusCode, 409);
      assert.equal(cancel.json().code, 'ORDER_INVALID_TRANSITION');
      assert.match(cancel.json().detail, /Delivered/);
      const events = await outboxRows(id);
      assert.deepEqual(
        events.map((e) => e.event_type),
        [
          'tributary.order.placed.v1',
          'tributary.order.status-changed.v1',
          'tributary.order.status-changed.v1',
          'tributary.order.status-changed.v1',
        ],
      );
      const missing = await app.inject({ method: 'POST', url: `/orders/${randomUUID()}/confirm` });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'ORDER_NOT_FOUND');
    });

    it('cancels with a reason', async () => {
      const userId = await register();
      const { id } = (await place(userId)).json();
      const res = await app.inject({
        method: 'POST',
        url: `/orders/${id}/cancel`,
        payload: { reason: 'changed my mind' },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().status, 'Cancelled');
    });

    it('reads one order, 404 for an unknown id and 400 for a malformed one', async () => {
      const userId = await register();
      const { id } = (await place(userId)).json();
      assert.equal((await app.inject({ url: `/orders/${id}` })).json().id, id);
      assert.equal((await app.inject({ url: `/orders/${randomUUID()}` })).statusCode, 404);
      assert.equal((await app.inject({ url: '/orders/not-a-uuid' })).statusCode, 400);
    });

    it('lists orders by user and status in pages with a cursor, and refuses a forged cursor', async () => {
      const userId = await register();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await place(userId)).json().id);
      await app.inject({ method: 'POST', url: `/orders/${ids[0]}/confirm` });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/orders?userId=${userId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await app.inject({ url });
        assert.equal(res.statusCode, 200);
        const page = res.json() as { items: { id: string }[]; nextCursor: string | null };
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ids, 'every order once, oldest first');
      const confirmed = (await app.inject({ url: `/orders?userId=${userId}&status=Confirmed` })).json();
      assert.deepEqual(
        confirmed.items.map((o: { id: string }) => o.id),
        [ids[0]],
      );
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const forged of [
        'bm90LWEtY3Vyc29y',
        encode(['1', ids[0]]),
        encode(['2026-01-01T00:00:00.000Z', '-'.repeat(36)]),
      ]) {
        const res = await app.inject({ url: `/orders?userId=${userId}&cursor=${forged}` });
        assert.equal(res.statusCode, 400, forged);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().code, 'INVALID_CURSOR');
        assert.equal(res.json().title, 'Invalid cursor');
      }
      assert.equal((await app.inject({ url: '/orders?limit=0' })).statusCode, 400);
      const fraction = await app.inject({ url: `/orders?userId=${userId}&limit=2.5` });
      assert.equal(fraction.statusCode, 400, 'a fractional page size is refused, not truncated');
      assert.equal(fraction.json().code, 'VALIDATION_FAILED');
      assert.equal(fraction.json().errors[0].path, '/query/limit');
      assert.equal((await app.inject({ url: '/orders?status=Lost' })).statusCode, 400);
    });

    it('cancels the open orders of a deactivated user once, even when the event is delivered twice', async () => {
      const userId = await register();
      const pending = (await place(userId)).json().id;
      const confirmed = (await place(userId)).json().id;
      const shipped = (await place(userId)).json().id;
      await app.inject({ method: 'POST', url: `/orders/${confirmed}/confirm` });
      await app.inject({ method: 'POST', url: `/orders/${shipped}/confirm` });
      await app.inject({ method: 'POST', url: `/orders/${shipped}/ship` });
      const eventId = randomUUID();
      assert.deepEqual(await deactivate(userId, eventId), { duplicate: false, cancelledOrders: 2 });
      assert.deepEqual(await deactivate(userId, eventId), { duplicate: true, cancelledOrders: 0 });
      const status = async (id: string) => (await app.inject({ url: `/orders/${id}` })).json().status;
      assert.equal(await status(pending), 'Cancelled');
      assert.equal(await status(confirmed), 'Cancelled');
      assert.equal(await status(shipped), 'Shipped');
      const cancellations = (await outboxRows(pending)).filter(
        (e) => e.event_type === 'tributary.order.status-changed.v1',
      );
      assert.equal(cancellations.length, 1, 'one cancellation event despite the redelivery');
      assert.equal(cancellations[0].headers['correlation-id'], 'deact-corr');
    });

    it('refuses control characters in SKUs, reasons and idempotency keys with 400, writing nothing', async () => {
      const userId = await register();
      const { id } = (await place(userId)).json();
      const count = async (sql: string, params: unknown[] = []) =>
        Number((await db.query<{ n: string | number }>(sql, params)).rows[0].n);
      const counts = async () => [
        await count('SELECT count(*) AS n FROM orders'),
        await count('SELECT count(*) AS n FROM outbox'),
        await count('SELECT count(*) AS n FROM idempotency_keys'),
      ];
      const before = await counts();
      const refusals = [
        {
          res: await place(userId, {}, [{ sku: 'A\u0000', quantity: 1, unitPriceCents: 1 }]),
          path: '/body/items/0/sku',
          message: 'must not contain control characters or line breaks',
        },
        {
          res: await place(userId, { 'idempotency-key': 'key\u0085' }),
          path: '/headers/idempotency-key',
          message: 'must not contain control characters or line breaks',
        },
        {
          res: await app.inject({
            method: 'POST',
            url: `/orders/${id}/cancel`,
            payload: { reason: 'because\u0000' },
          }),
          path: '/body/reason',
          message: 'must not contain control characters other than tabs and line breaks',
        },
      ];
      for (const { res, path, message } of refusals) {
        assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, 'VALIDATION_FAILED');
        assert.equal(problem.title, 'Validation failed');
        // The cancel body is "object or null", so its problem also says it is not null: check the first error.
        assert.deepEqual(problem.errors[0], { path, message });
      }
      assert.deepEqual(await counts(), before, 'no order, event or idempotency key written');
      assert.equal((await app.inject({ url: `/orders/${id}` })).json().status, 'Pending');
      const multiLine = await app.inject({
        method: 'POST',
        url: `/orders/${id}/cancel`,
        payload: { reason: 'wrong size\nand colour' },
      });
      assert.equal(multiLine.statusCode, 200, 'a reason may span lines');
    });

    it('answers bad input with problem+json and never a 500', async () => {
      const userId = await register();
      const cases = [
        { payload: '{"userId":', headers: { 'content-type': 'application/json' }, status: 400 },
        { payload: { userId, items: 'many' }, status: 400 },
        { payload: { userId }, status: 400 },
        {
          payload: { userId, items: [{ sku: 'A', quantity: 1, unitPriceCents: 1 }], coupon: 'X' },
          status: 400,
        },
        { payload: { userId, items: [{ sku: 'A', quantity: 0, unitPriceCents: 1 }] }, status: 400 },
        { payload: { userId, items: [] }, status: 400 },
        { payload: '<order/>', headers: { 'content-type': 'application/xml' }, status: 415 },
        { payload: JSON.stringify({ userId }), headers: { 'content-type': 'text/plain' }, status: 415 },
        {
          payload: JSON.stringify({ userId, pad: 'x'.repeat(1024 * 1024) }),
          headers: { 'content-type': 'application/json' },
          status: 413,
        },
      ];
      for (const c of cases) {
        const res = await app.inject({
          method: 'POST',
          url: '/orders',
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
