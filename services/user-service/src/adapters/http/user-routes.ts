// User routes: register, read, list and deactivate, documented with examples a client can send as they are.
import {
  type App,
  CORRELATION_ID_HEADER_SCHEMA,
  jsonResponse,
  problemResponses,
} from '@tributary/service-kit';
import { Type } from 'typebox';
import type { Users } from '../../application/users.ts';
import {
  DEFAULT_PAGE_SIZE,
  EXAMPLE_USER,
  EXAMPLE_USER_ID,
  ListQuery,
  RegisterBody,
  UserIdParams,
  UserPage,
  UserSchema,
} from './user-schemas.ts';

const TracedHeaders = Type.Object({
  'x-correlation-id': CORRELATION_ID_HEADER_SCHEMA,
  traceparent: Type.Optional(
    Type.String({
      description: 'W3C trace context of the caller; the events this request causes continue its trace',
    }),
  ),
});

const traceparentOf = (headers: Record<string, unknown>) =>
  typeof headers.traceparent === 'string' ? headers.traceparent : undefined;

const at = (path: string) => path.replace(':id', EXAMPLE_USER_ID);

export function registerUserRoutes(app: App, users: Users): void {
  const problems = (examples: Parameters<typeof problemResponses>[1]) =>
    problemResponses(app.problemTypes, examples);
  const validation = (instance: string, path: string, message: string) => ({
    code: 'VALIDATION_FAILED',
    detail: 'The request body does not match its schema.',
    instance,
    errors: [{ path, message }],
  });

  app.post(
    '/users',
    {
      config: { scopes: ['users:write'] },
      schema: {
        tags: ['users'],
        summary: 'Register a user',
        description:
          'Emits `tributary.user.registered.v1`. The Order Service learns the user from that event moments later (eventual consistency).',
        headers: TracedHeaders,
        body: RegisterBody,
        response: {
          201: jsonResponse('The registered user', UserSchema, EXAMPLE_USER, {
            location: { type: 'string', description: 'Path of the new user' },
          }),
          ...problems([
            validation('/users', '/body/email', 'is required'),
            {
              code: 'INVALID_USER',
              detail: 'name must contain at least one visible character',
              instance: '/users',
            },
            {
              code: 'USER_EMAIL_TAKEN',
              detail: 'a user with email ada@example.com already exists',
              instance: '/users',
              extra: { email: 'ada@example.com' },
            },
          ]),
        },
      },
    },
    async (request, reply) => {
      const user = await users.register(request.body, {
        correlationId: request.correlationId,
        traceparent: traceparentOf(request.headers),
      });
      return reply.code(201).header('location', `/users/${user.id}`).send(user);
    },
  );

  app.get(
    '/users/:id',
    {
      config: { scopes: ['users:read'] },
      schema: {
        tags: ['users'],
        summary: 'One user',
        headers: TracedHeaders,
        params: UserIdParams,
        response: {
          200: jsonResponse('The user', UserSchema, EXAMPLE_USER),
          ...problems([
            {
              code: 'USER_NOT_FOUND',
              detail: `no user with id ${EXAMPLE_USER_ID}`,
              instance: at('/users/:id'),
              extra: { userId: EXAMPLE_USER_ID },
            },
          ]),
        },
      },
    },
    async (request) => users.get(request.params.id),
  );

  app.get(
    '/users',
    {
      config: { scopes: ['users:read'] },
      schema: {
        tags: ['users'],
        summary: 'Users, oldest first, in pages',
        headers: TracedHeaders,
        querystring: ListQuery,
        response: {
          200: jsonResponse('A page of users', UserPage, { items: [EXAMPLE_USER], nextCursor: null }),
          ...problems([
            {
              code: 'INVALID_CURSOR',
              detail: 'the cursor is not one this API issued',
              instance: '/users?cursor=bm90LWEtY3Vyc29y',
            },
          ]),
        },
      },
    },
    async (request) =>
      users.list({ limit: request.query.limit ?? DEFAULT_PAGE_SIZE, cursor: request.query.cursor }),
  );

  app.post(
    '/users/:id/deactivate',
    {
      config: { scopes: ['users:write'] },
      schema: {
        tags: ['users'],
        summary: 'Deactivate a user (idempotent); their open orders get cancelled',
        description: 'Emits `tributary.user.deactivated.v1` the first time; a repeated call changes nothing.',
        headers: TracedHeaders,
        params: UserIdParams,
        response: {
          200: jsonResponse('The deactivated user', UserSchema, { ...EXAMPLE_USER, status: 'inactive' }),
          ...problems([
            {
              code: 'USER_NOT_FOUND',
              detail: `no user with id ${EXAMPLE_USER_ID}`,
              instance: at('/users/:id/deactivate'),
              extra: { userId: EXAMPLE_USER_ID },
            },
          ]),
        },
      },
    },
    async (request) =>
      users.deactivate(request.params.id, {
        correlationId: request.correlationId,
        traceparent: traceparentOf(request.headers),
      }),
  );
}
