// The order aggregate: items, the computed total and status changes through the transition table.
import { InvalidOrderError, OrderInvalidTransitionError } from './order-errors.ts';
import { canTransition, type OrderStatus } from './order-status.ts';

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  userId: string;
  items: OrderItem[];
  totalCents: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
}

export interface StatusChange {
  order: Order;
  from: OrderStatus;
  to: OrderStatus;
  reason?: string;
}

/** A new Pending order; the total is computed here, never taken from the caller. */
export function placeOrder(input: { id: string; userId: string; items: OrderItem[]; now: Date }): Order {
  if (input.items.length === 0) throw new InvalidOrderError('an order needs at least one item');
  let total = 0;
  for (const item of input.items) {
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
      throw new InvalidOrderError(`quantity of ${item.sku} must be a positive integer`);
    }
    if (!Number.isSafeInteger(item.unitPriceCents) || item.unitPriceCents < 0) {
      throw new InvalidOrderError(`unit price of ${item.sku} must be a non-negative integer of cents`);
    }
    total += item.quantity * item.unitPriceCents;
  }
  if (!Number.isSafeInteger(total)) throw new InvalidOrderError('order total is too large');
  const at = input.now.toISOString();
  return {
    id: input.id,
    userId: input.userId,
    items: input.items.map((i) => ({ ...i })),
    totalCents: total,
    status: 'Pending',
    createdAt: at,
    updatedAt: at,
  };
}

/** Moves the order to `to`, or throws OrderInvalidTransitionError naming the current status. */
export function changeStatus(order: Order, to: OrderStatus, now: Date, reason?: string): StatusChange {
  if (!canTransition(order.status, to)) throw new OrderInvalidTransitionError(order.status, to);
  return { order: { ...order, status: to, updatedAt: now.toISOString() }, from: order.status, to, reason };
}
