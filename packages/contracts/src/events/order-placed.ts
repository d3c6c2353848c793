// An order was placed by a user.
import { defineEvent } from '@tributary/messaging';
import { type Static, Type } from 'typebox';
import { Topics } from '../topics.ts';

export const OrderItemSchema = Type.Object({
  sku: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: 1 }),
  unitPriceCents: Type.Integer({ minimum: 0 }),
});

export const OrderPlacedV1Schema = Type.Object({
  orderId: Type.String({ minLength: 1 }),
  userId: Type.String({ minLength: 1 }),
  items: Type.Array(OrderItemSchema, { minItems: 1 }),
  totalCents: Type.Integer({ minimum: 0 }),
  placedAt: Type.String({ format: 'date-time' }),
});

export type OrderPlacedV1 = Static<typeof OrderPlacedV1Schema>;

export const OrderPlacedV1 = defineEvent({
  type: 'order.placed',
  version: 1,
  topic: Topics.orders,
  key: 'orderId',
  schema: OrderPlacedV1Schema,
  description: 'An order was placed.',
});
