// The Order Service's user-event subscriptions through a consumer runner (in-memory transport, PGlite):
// each contract reaches its own typed handler, and the effects are what a client sees over HTTP.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { contracts, UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import { ConsumerRunner, EventPublisher, type RecordReport } from '@tributary/messaging';
import { createInMemoryTransport, waitFor } from '@tributary/messaging/testing';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { subscribeToUserEvents } from '../../src/adapters/messaging/user-event-handlers.ts';
import { buildOrderApp } from '../../src/app.ts';
import { CONSUMER_GROUP } from '../../src/application/user-events.ts';
import { openTestDatabase } from '../support/db-fixture.ts';

const logger = pino({ level: 'silent' });

describe('user events consumed by the Order Service', () => {
  const transport = createInMemoryTransport();
  const publisher = new EventPublisher({ transport, source: '/tributary/user-service', registry: contracts });
  const runner = new ConsumerRunner({ transport, group: CONSUMER_GROUP, registry: contracts, logger });
  const reports: RecordReport[] = [];
  runner.on('record', (report) => reports.push(report));
  let app: App | undefined;
  let drop: (() => Promise<void>) | undefined;
  after(async () => {
    await runner.stop();
    await publisher.close();
    await transport.close();
    await app?.close();
    await drop?.();
  });
  before(async () => {
    const opened = await openTestDatabase('pglite');
    drop = opened.drop;
    const built = await buildOrderApp({ db: opened.db, logger });
    app = built.app;
    subscribeToUserEvents(runner, { orders: built.orders });
    await runner.start();
  });

  const placeOrder = (userId: string) =>
    app!.inject({
      method: 'POST',
      url: '/orders',
      payload: { userId, items: [{ sku: 'A-1', quantity: 1, unitPriceCents: 100 }] },
    });

  it('lets a registered user order, and cancels the open order when the user is deactivated', async () => {
    const userId = randomUUID();
    assert.equal((await placeOrder(userId)).statusCode, 422, 'unknown before the event');

    await publisher.publishEvent(UserRegisteredV1, {
      userId,
      email: `${userId}@example.com`,
      name: 'Ada',
      registeredAt: new Date().toISOString(),
    });
    await waitFor(() => reports.length === 1, 'the registration to be handled');
    const placed = await placeOrder(userId);
    assert.equal(placed.statusCode, 201);
    const orderId = (placed.json() as { id: string }).id;

    await publisher.publishEvent(UserDeactivatedV1, { userId, deactivatedAt: new Date().toISOString() });
    await waitFor(() => reports.length === 2, 'the deactivation to be handled');
    const order = await app!.inject({ method: 'GET', url: `/orders/${orderId}` });
    assert.equal((order.json() as { status: string }).status, 'Cancelled');
    assert.equal((await placeOrder(userId)).statusCode, 422, 'a deactivated user cannot order');

    assert.deepEqual(
      reports.map((report) => [report.eventType, report.outcome]),
      [
        [UserRegisteredV1.ceType, 'handled'],
        [UserDeactivatedV1.ceType, 'handled'],
      ],
    );
  });
});
