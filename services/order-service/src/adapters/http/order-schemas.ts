// HTTP schemas of the Order Service: the types, the validation and the OpenAPI document at once.
import { CORRELATION_ID_HEADER_SCHEMA, textSchema } from '@tributary/service-kit';
import { Type } from 'typebox';
import { ORDER_STATUSES } from '../../domain/index.ts';

export const EXAMPLE_ORDER_ID = '7d1e5a42-3c9b-4f08-a6e2-91b0c4d7e835';
export const EXAMPLE_USER_ID = '3f2c1a9e-8b7d-4c6e-9f1a-2b3c4d5e6f70';
export const EXAMPLE_ITEMS = [
  { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
  { sku: 'PEN-2', quantity: 1, unitPriceCents: 300 },
];
export const EXAMPLE_ORDER = {
  id: EXAMPLE_ORDER_ID,
  userId: EXAMPLE_USER_ID,
  items: EXAMPLE_ITEMS,
  totalCents: 2800,
  status: 'Pending',
  createdAt: '2026-03-01T09:31:00.000Z',
  updatedAt: '2026-03-01T09:31:00.000Z',
} as const;

export const OrderStatusSchema = Type.Enum(ORDER_STATUSES, { type: 'string' });

export const OrderItemSchema = Type.Object(
  {
    sku: textSchema({ minLength: 1, maxLength: 64, description: 'Stock keeping unit' }),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    unitPriceCents: Type.Integer({
      minimum: 0,
      maximum: 100_000_000,
      description: 'Price of one unit, in cents',
    }),
  },
  { additionalProperties: false, title: 'OrderItem' },
);

export const PlaceOrderBody = Type.Object(
  {
    userId: Type.String({ format: 'uuid', description: 'A registered, active user (any letter case)' }),
    items: Type.Array(OrderItemSchema, { minItems: 1, maxItems: 100 }),
  },
  {
    additionalProperties: false,
    title: 'PlaceOrder',
    examples: [{ userId: EXAMPLE_USER_ID, items: EXAMPLE_ITEMS }],
  },
);

export const OrderSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid', description: 'Lower case' }),
    items: Type.Array(OrderItemSchema),
    totalCents: Type.Integer({ description: 'Sum of quantity × unit price, computed by the service' }),
    status: OrderStatusSchema,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Order' },
);

export const OrderIdParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The order id', examples: [EXAMPLE_ORDER_ID] }),
});

export const DEFAULT_PAGE_SIZE = 20;

export const ListOrdersQuery = Type.Object(
  {
    userId: Type.Optional(
      Type.String({ format: 'uuid', description: "Only this user's orders", examples: [EXAMPLE_USER_ID] }),
    ),
    status: Type.Optional(
      Type.Enum(ORDER_STATUSES, { type: 'string', description: 'Only orders in this status' }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: DEFAULT_PAGE_SIZE,
        description: 'Page size',
        examples: [20],
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The `nextCursor` of the previous page; omit it for the first page',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OrderPageSchema = Type.Object(
  {
    items: Type.Array(OrderSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'OrderPage' },
);

export const CancelBody = Type.Union(
  [
    Type.Object(
      {
        reason: Type.Optional(
          textSchema({ minLength: 1, maxLength: 500, multiline: true, description: 'Why it was cancelled' }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { examples: [{ reason: 'ordered twice by mistake' }] },
);

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    textSchema({
      minLength: 1,
      maxLength: 200,
      description:
        'Makes a retried POST safe: the same key with the same body (key order aside) returns the first order with `idempotent-replayed: true`; with another body, 422. Keys are remembered 24 hours by default.',
    }),
  ),
  'x-correlation-id': CORRELATION_ID_HEADER_SCHEMA,
});

export const TracedHeaders = Type.Object({ 'x-correlation-id': CORRELATION_ID_HEADER_SCHEMA });
