// HTTP schemas of the Order Service: the types, the validation and the OpenAPI document at once.
import { textSchema } from '@tributary/service-kit';
import { Type } from 'typebox';
import { ORDER_STATUSES } from '../../domain/index.ts';

export const OrderStatusSchema = Type.Union([
  Type.Literal(ORDER_STATUSES[0]),
  Type.Literal(ORDER_STATUSES[1]),
  Type.Literal(ORDER_STATUSES[2]),
  Type.Literal(ORDER_STATUSES[3]),
  Type.Literal(ORDER_STATUSES[4]),
]);

export const OrderItemSchema = Type.Object(
  {
    sku: textSchema({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPriceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  },
  { additionalProperties: false },
);

export const PlaceOrderBody = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    items: Type.Array(OrderItemSchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const OrderSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
  items: Type.Array(OrderItemSchema),
  totalCents: Type.Integer(),
  status: OrderStatusSchema,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ListOrdersQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(OrderStatusSchema),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const OrderPageSchema = Type.Object({
  items: Type.Array(OrderSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const CancelBody = Type.Union([
  Type.Object(
    { reason: Type.Optional(textSchema({ minLength: 1, maxLength: 500, multiline: true })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(textSchema({ minLength: 1, maxLength: 200 })),
});
