// The events the Order Service emits, as outbox messages with CloudEvents binary-mode headers.
import { randomBytes, randomUUID } from 'node:crypto';
import type { OutboxMessage } from '@tributary/messaging';
import type { Order, OrderStatus } from '../../domain/index.ts';

export const ORDERS_TOPIC = 'orders';
export const CE_SOURCE = '/tributary/order-service';
export const ORDER_PLACED = 'tributary.order.placed.v1';
export const ORDER_STATUS_CHANGED = 'tributary.order.status-changed.v1';

export interface EventContext {
  correlationId: string;
  /** W3C traceparent of the work that caused the event; a child span is recorded on the event. */
  traceparent?: string;
}

function childTraceparent(parent: string | undefined): string {
  const match = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  const traceId = match ? match[1] : randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${match ? match[2] : '01'}`;
}

function message(
  ceType: string,
  order: Order,
  payload: unknown,
  ctx: EventContext,
  time: string,
): OutboxMessage {
  return {
    aggregateType: 'order',
    aggregateId: order.id,
    topic: ORDERS_TOPIC,
    key: order.id,
    eventType: ceType,
    payload,
    headers: {
      ce_id: randomUUID(),
      ce_type: ceType,
      ce_source: CE_SOURCE,
      ce_specversion: '1.0',
      ce_time: time,
      'content-type': 'application/json',
      'correlation-id': ctx.correlationId,
      traceparent: childTraceparent(ctx.traceparent),
    },
  };
}

export function orderPlaced(order: Order, ctx: EventContext): OutboxMessage {
  const payload = {
    orderId: order.id,
    userId: order.userId,
    items: order.items,
    totalCents: order.totalCents,
    placedAt: order.createdAt,
  };
  return message(ORDER_PLACED, order, payload, ctx, order.createdAt);
}

export function orderStatusChanged(
  order: Order,
  from: OrderStatus,
  to: OrderStatus,
  ctx: EventContext,
  reason?: string,
): OutboxMessage {
  const payload = {
    orderId: order.id,
    userId: order.userId,
    from,
    to,
    ...(reason ? { reason } : {}),
    changedAt: order.updatedAt,
  };
  return message(ORDER_STATUS_CHANGED, order, payload, ctx, order.updatedAt);
}
