// An order moved from one status to another (see the order service's transition table).
import { defineEvent } from '@tributary/messaging';
import { type Static, Type } from 'typebox';
import { Topics } from '../topics.ts';

export const OrderStatusSchema = Type.Union([
  Type.Literal('Pending'),
  Type.Literal('Confirmed'),
  Type.Literal('Shipped'),
  Type.Literal('Delivered'),
  Type.Literal('Cancelled'),
]);

export type OrderStatus = Static<typeof OrderStatusSchema>;

export const OrderStatusChangedV1Schema = Type.Object({
  orderId: Type.String({ minLength: 1 }),
  userId: Type.String({ minLength: 1 }),
  from: OrderStatusSchema,
  to: OrderStatusSchema,
  reason: Type.Optional(Type.String()),
  changedAt: Type.String({ format: 'date-time' }),
});

export type OrderStatusChangedV1 = Static<typeof OrderStatusChangedV1Schema>;

export const OrderStatusChangedV1 = defineEvent({
  type: 'order.status-changed',
  version: 1,
  topic: Topics.orders,
  key: 'orderId',
  schema: OrderStatusChangedV1Schema,
  description: 'An order changed status.',
});
