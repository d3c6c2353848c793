// The events the Order Service emits, as outbox messages in CloudEvents binary mode (via the contracts).
import { OrderPlacedV1, OrderStatusChangedV1 } from '@tributary/contracts';
import { type OutboxMessage, toKafkaMessage } from '@tributary/messaging';
import type { Order, OrderStatus } from '../../domain/index.ts';

export const CE_SOURCE = '/tributary/order-service';

export interface EventContext {
  correlationId: string;
  /** W3C traceparent of the work that caused the event; the event records a child span. */
  traceparent?: string;
}

function asOutbox(
  kind: typeof OrderPlacedV1 | typeof OrderStatusChangedV1,
  order: Order,
  payload: unknown,
  ctx: EventContext,
  time: string,
): OutboxMessage {
  const message = toKafkaMessage(kind, payload, {
    source: CE_SOURCE,
    correlationId: ctx.correlationId,
    traceparent: ctx.traceparent,
    time: new Date(time),
  });
  return {
    aggregateType: 'order',
    aggregateId: order.id,
    topic: message.topic,
    key: message.key,
    eventType: kind.ceType,
    payload,
    headers: message.headers,
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
  return asOutbox(OrderPlacedV1, order, payload, ctx, order.createdAt);
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
  return asOutbox(OrderStatusChangedV1, order, payload, ctx, order.updatedAt);
}
