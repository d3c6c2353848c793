// Order routes: place, read, list and the lifecycle actions.
import { type App, problemResponse } from '@tributary/service-kit';
import type { Orders } from '../../application/orders.ts';
import type { OrderAction } from '../../domain/index.ts';
import {
  CancelBody,
  IdempotencyHeaders,
  ListOrdersQuery,
  OrderIdParams,
  OrderPageSchema,
  OrderSchema,
  PlaceOrderBody,
} from './order-schemas.ts';

const ACTIONS: readonly OrderAction[] = ['confirm', 'ship', 'deliver', 'cancel'];

export function registerOrderRoutes(app: App, orders: Orders): void {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order for a known, active user',
        headers: IdempotencyHeaders,
        body: PlaceOrderBody,
        response: {
          201: OrderSchema,
          422: problemResponse('Unknown or inactive user, or an Idempotency-Key reused with another body'),
        },
      },
    },
    async (request, reply) => {
      const { order, replayed } = await orders.place(request.body, {
        correlationId: request.correlationId,
        traceparent:
          typeof request.headers.traceparent === 'string' ? request.headers.traceparent : undefined,
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order',
        params: OrderIdParams,
        response: { 200: OrderSchema },
      },
    },
    async (request) => orders.get(request.params.id),
  );

  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Orders, oldest first, filtered by user and status',
        querystring: ListOrdersQuery,
        response: { 200: OrderPageSchema },
      },
    },
    async (request) => orders.list(request.query),
  );

  for (const action of ACTIONS) {
    app.post(
      `/orders/:id/${action}`,
      {
        schema: {
          tags: ['orders'],
          summary: `${action[0].toUpperCase()}${action.slice(1)} an order`,
          params: OrderIdParams,
          ...(action === 'cancel' ? { body: CancelBody } : {}),
          response: { 200: OrderSchema, 409: problemResponse('The order cannot make this status change') },
        },
      },
      async (request) => {
        const body = request.body as { reason?: string } | null | undefined;
        return orders.act(request.params.id, action, { correlationId: request.correlationId }, body?.reason);
      },
    );
  }
}
