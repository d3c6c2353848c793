// Order routes: place, read, list and the lifecycle actions, documented with examples a client can send as
// they are.
import { type App, jsonResponse, type ProblemExample, problemResponses } from '@tributary/service-kit';
import type { Orders } from '../../application/orders.ts';
import { ORDER_ACTIONS, ORDER_STATUSES, ORDER_TRANSITIONS, type OrderAction } from '../../domain/index.ts';
import {
  CancelBody,
  DEFAULT_PAGE_SIZE,
  EXAMPLE_ORDER,
  EXAMPLE_ORDER_ID,
  EXAMPLE_USER_ID,
  IdempotencyHeaders,
  ListOrdersQuery,
  OrderIdParams,
  OrderPageSchema,
  OrderSchema,
  PlaceOrderBody,
  TracedHeaders,
} from './order-schemas.ts';

const ACTIONS = Object.keys(ORDER_ACTIONS) as OrderAction[];

const traceparentOf = (headers: Record<string, unknown>) =>
  typeof headers.traceparent === 'string' ? headers.traceparent : undefined;

export function registerOrderRoutes(app: App, orders: Orders): void {
  const problems = (examples: ProblemExample[]) => problemResponses(app.problemTypes, examples);
  const orderNotFound = (instance: string): ProblemExample => ({
    code: 'ORDER_NOT_FOUND',
    detail: `no order with id ${EXAMPLE_ORDER_ID}`,
    instance,
    extra: { orderId: EXAMPLE_ORDER_ID },
  });

  app.post(
    '/orders',
    {
      config: { scopes: ['orders:write'] },
      schema: {
        tags: ['orders'],
        summary: 'Place an order for a known, active user',
        description:
          'Emits `tributary.order.placed.v1`. Users become known to this service from their events moments after they register: until then the answer is 422 `USER_UNKNOWN` with `Retry-After`.',
        headers: IdempotencyHeaders,
        body: PlaceOrderBody,
        response: {
          201: jsonResponse('The order, Pending', OrderSchema, EXAMPLE_ORDER, {
            location: { type: 'string', description: 'Path of the new order' },
            'idempotent-replayed': {
              type: 'string',
              description:
                '`true` when this is the remembered answer to an earlier request with the same key',
            },
          }),
          ...problems([
            {
              code: 'VALIDATION_FAILED',
              detail: 'The request body does not match its schema.',
              instance: '/orders',
              errors: [{ path: '/body/items/0/quantity', message: 'must be >= 1' }],
            },
            {
              code: 'USER_UNKNOWN',
              detail: `no user with id ${EXAMPLE_USER_ID} is known to the Order Service yet; a user registered moments ago becomes known within seconds, so retry after 1 s (a user that was never registered stays unknown)`,
              instance: '/orders',
              extra: { userId: EXAMPLE_USER_ID },
              retryAfterSeconds: 1,
            },
            {
              code: 'USER_INACTIVE',
              detail: `user ${EXAMPLE_USER_ID} is deactivated and cannot place orders`,
              instance: '/orders',
              extra: { userId: EXAMPLE_USER_ID },
            },
            {
              code: 'IDEMPOTENCY_KEY_REUSED',
              detail: 'Idempotency-Key 5b9c7e1f was first used with a different request body',
              instance: '/orders',
              extra: { idempotencyKey: '5b9c7e1f' },
            },
          ]),
        },
      },
    },
    async (request, reply) => {
      const { order, replayed } = await orders.place(request.body, {
        correlationId: request.correlationId,
        traceparent: traceparentOf(request.headers),
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/orders/${order.id}`).send(order);
    },
  );

  app.get(
    '/orders/:id',
    {
      config: { scopes: ['orders:read'] },
      schema: {
        tags: ['orders'],
        summary: 'One order',
        headers: TracedHeaders,
        params: OrderIdParams,
        response: {
          200: jsonResponse('The order', OrderSchema, EXAMPLE_ORDER),
          ...problems([orderNotFound(`/orders/${EXAMPLE_ORDER_ID}`)]),
        },
      },
    },
    async (request) => orders.get(request.params.id),
  );

  app.get(
    '/orders',
    {
      config: { scopes: ['orders:read'] },
      schema: {
        tags: ['orders'],
        summary: 'Orders, oldest first, filtered by user and status',
        headers: TracedHeaders,
        querystring: ListOrdersQuery,
        response: {
          200: jsonResponse('A page of orders', OrderPageSchema, {
            items: [EXAMPLE_ORDER],
            nextCursor: null,
          }),
          ...problems([
            {
              code: 'INVALID_CURSOR',
              detail: 'the cursor is not one this API issued',
              instance: '/orders?cursor=bm90LWEtY3Vyc29y',
            },
          ]),
        },
      },
    },
    async (request) => orders.list({ ...request.query, limit: request.query.limit ?? DEFAULT_PAGE_SIZE }),
  );

  for (const action of ACTIONS) {
    const to = ORDER_ACTIONS[action];
    const from = Object.entries(ORDER_TRANSITIONS)
      .filter(([, targets]) => targets.includes(to))
      .map(([status]) => status);
    const refused = ORDER_STATUSES.find((status) => status !== to && !from.includes(status));
    const instance = `/orders/${EXAMPLE_ORDER_ID}/${action}`;
    app.post(
      `/orders/:id/${action}`,
      {
        config: { scopes: ['orders:write'] },
        schema: {
          tags: ['orders'],
          summary: `${action[0].toUpperCase()}${action.slice(1)} an order (${from.join(' or ')} → ${to})`,
          description: 'Emits `tributary.order.status-changed.v1`.',
          headers: TracedHeaders,
          params: OrderIdParams,
          ...(action === 'cancel' ? { body: CancelBody } : {}),
          response: {
            200: jsonResponse(`The order, ${to}`, OrderSchema, { ...EXAMPLE_ORDER, status: to }),
            ...problems([
              orderNotFound(instance),
              {
                code: 'ORDER_INVALID_TRANSITION',
                detail: `the order is ${refused} and cannot become ${to}`,
                instance,
                extra: { currentStatus: refused, requestedStatus: to },
              },
            ]),
          },
        },
      },
      async (request) => {
        const body = request.body as { reason?: string } | null | undefined;
        return orders.act(
          request.params.id,
          action,
          { correlationId: request.correlationId, traceparent: traceparentOf(request.headers) },
          body?.reason,
        );
      },
    );
  }
}
