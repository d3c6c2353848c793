// The four v1 contracts: what they accept, what they refuse (SCHEMA_INVALID naming the field), their
// CloudEvents types, topics and keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEvent, encodeEvent, SchemaInvalidError } from '@tributary/messaging';
import {
  OrderPlacedV1,
  OrderStatusChangedV1,
  Topics,
  UserDeactivatedV1,
  UserRegisteredV1,
} from '../../src/index.ts';

const at = '2025-03-01T10:00:00.000Z';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SchemaInvalidError, `expected SCHEMA_INVALID, got ${String(err)}`);
    assert.equal(err.code, 'SCHEMA_INVALID');
    assert.equal(err.retriable, false);
    return err.issues.map((i) => i.path);
  }
  assert.fail('expected the payload to be refused');
}

describe('event contracts v1', () => {
  it('name their CloudEvents types, topics and aggregate keys', () => {
    assert.equal(UserRegisteredV1.ceType, 'tributary.user.registered.v1');
    assert.equal(UserDeactivatedV1.ceType, 'tributary.user.deactivated.v1');
    assert.equal(OrderPlacedV1.ceType, 'tributary.order.placed.v1');
    assert.equal(OrderStatusChangedV1.ceType, 'tributary.order.status-changed.v1');
    assert.deepEqual(
      [UserRegisteredV1, UserDeactivatedV1, OrderPlacedV1, OrderStatusChangedV1].map((d) => [d.topic, d.key]),
      [
        [Topics.users, 'userId'],
        [Topics.users, 'userId'],
        [Topics.orders, 'orderId'],
        [Topics.orders, 'orderId'],
      ],
    );
  });

  it('accept valid payloads, optional fields included or not', () => {
    UserRegisteredV1.validate({ userId: 'u1', email: 'ada@example.com', name: 'Ada', registeredAt: at });
    UserDeactivatedV1.validate({ userId: 'u1', deactivatedAt: at });
    UserDeactivatedV1.validate({ userId: 'u1', deactivatedAt: at, reason: 'asked to leave' });
    OrderPlacedV1.validate({
      orderId: 'o1',
      userId: 'u1',
      items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 450 }],
      totalCents: 900,
      placedAt: at,
    });
    OrderStatusChangedV1.validate({
      orderId: 'o1',
      userId: 'u1',
      from: 'Pending',
      to: 'Confirmed',
      changedAt: at,
    });
  });

  it('refuse invalid payloads and say which fields are wrong', () => {
    assert.deepEqual(
      issuesOf(() =>
        UserRegisteredV1.validate({
          userId: 'u1',
          email: 'not-an-email',
          name: 'Ada',
          registeredAt: 'yesterday',
        }),
      ),
      ['/email', '/registeredAt'],
    );
    assert.deepEqual(
      issuesOf(() => UserRegisteredV1.validate({ userId: 'u1', name: 'Ada', registeredAt: at })),
      [''],
      'a missing required field is reported on the object',
    );
    assert.deepEqual(
      issuesOf(() =>
        OrderPlacedV1.validate({
          orderId: 'o1',
          userId: 'u1',
          items: [{ sku: 'SKU-1', quantity: 0, unitPriceCents: -1 }],
          totalCents: 0,
          placedAt: at,
        }),
      ),
      ['/items/0/quantity', '/items/0/unitPriceCents'],
    );
    assert.ok(
      issuesOf(() =>
        OrderStatusChangedV1.validate({
          orderId: 'o1',
          userId: 'u1',
          from: 'Pending',
          to: 'Lost',
          changedAt: at,
        }),
      ).includes('/to'),
    );
  });

  it('become CloudEvents records keyed by the aggregate id on their topic', () => {
    const event = createEvent(
      OrderPlacedV1,
      {
        orderId: 'o-77',
        userId: 'u1',
        items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
        totalCents: 100,
        placedAt: at,
      },
      { source: '/order-service' },
    );
    const record = encodeEvent(event);
    assert.equal(record.topic, 'orders');
    assert.equal(record.key, 'o-77');
    assert.equal(record.headers.ce_type, 'tributary.order.placed.v1');
    assert.equal(record.headers.ce_source, '/order-service');
    assert.equal(JSON.parse(record.value!.toString()).totalCents, 100);
  });
});
