import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  changeStatus,
  InvalidOrderError,
  ORDER_STATUSES,
  OrderInvalidTransitionError,
  type OrderStatus,
  placeOrder,
} from '../../src/domain/index.ts';

const now = new Date('2026-01-02T03:04:05.000Z');
const order = (status: OrderStatus = 'Pending') => ({
  ...placeOrder({
    id: 'o1',
    userId: 'u1',
    items: [
      { sku: 'A', quantity: 2, unitPriceCents: 150 },
      { sku: 'B', quantity: 1, unitPriceCents: 99 },
    ],
    now,
  }),
  status,
});

describe('order rules', () => {
  it('computes the total and starts Pending', () => {
    const o = order();
    assert.equal(o.totalCents, 399);
    assert.equal(o.status, 'Pending');
    assert.equal(o.createdAt, now.toISOString());
  });

  it('refuses empty orders, zero quantities and negative prices', () => {
    assert.throws(() => placeOrder({ id: 'x', userId: 'u', items: [], now }), InvalidOrderError);
    assert.throws(
      () => placeOrder({ id: 'x', userId: 'u', items: [{ sku: 'A', quantity: 0, unitPriceCents: 1 }], now }),
      InvalidOrderError,
    );
    assert.throws(
      () => placeOrder({ id: 'x', userId: 'u', items: [{ sku: 'A', quantity: 1, unitPriceCents: -1 }], now }),
      InvalidOrderError,
    );
  });

  it('walks Pending → Confirmed → Shipped → Delivered', () => {
    let o = order();
    for (const to of ['Confirmed', 'Shipped', 'Delivered'] as const) {
      const change = changeStatus(o, to, now);
      assert.equal(change.from, o.status);
      o = change.order;
      assert.equal(o.status, to);
    }
  });

  it('cancels only Pending or Confirmed orders', () => {
    assert.equal(
      changeStatus(order('Pending'), 'Cancelled', now, 'changed my mind').order.status,
      'Cancelled',
    );
    assert.equal(changeStatus(order('Confirmed'), 'Cancelled', now).order.status, 'Cancelled');
    for (const status of ['Shipped', 'Delivered', 'Cancelled'] as const) {
      assert.throws(() => changeStatus(order(status), 'Cancelled', now), OrderInvalidTransitionError);
    }
  });

  it('allows exactly the transitions of the table and names the current status otherwise', () => {
    const allowed = new Set([
      'Pending>Confirmed',
      'Pending>Cancelled',
      'Confirmed>Shipped',
      'Confirmed>Cancelled',
      'Shipped>Delivered',
    ]);
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        if (allowed.has(`${from}>${to}`)) assert.equal(changeStatus(order(from), to, now).order.status, to);
        else {
          assert.throws(
            () => changeStatus(order(from), to, now),
            (e: unknown) =>
              e instanceof OrderInvalidTransitionError &&
              e.message.includes(from) &&
              e.code === 'ORDER_INVALID_TRANSITION',
          );
        }
      }
    }
  });
});
