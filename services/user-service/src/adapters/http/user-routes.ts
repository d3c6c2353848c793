// User routes: register, read, list and deactivate.
import { type App, problemResponse, textSchema } from '@tributary/service-kit';
import { Type } from 'typebox';
import type { Users } from '../../application/users.ts';

const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String({ format: 'email' }),
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  createdAt: Type.String({ format: 'date-time' }),
});

const RegisterBody = Type.Object(
  {
    email: textSchema({ minLength: 3, maxLength: 254 }),
    name: textSchema({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const UserPage = Type.Object({
  items: Type.Array(UserSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const traceparentOf = (headers: Record<string, unknown>) =>
  typeof headers.traceparent === 'string' ? headers.traceparent : undefined;

export function registerUserRoutes(app: App, users: Users): void {
  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Register a user',
        body: RegisterBody,
        response: { 201: UserSchema, 409: problemResponse('The email is already registered') },
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
    { schema: { tags: ['users'], summary: 'One user', params: UserIdParams, response: { 200: UserSchema } } },
    async (request) => users.get(request.params.id),
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Users, oldest first, in pages',
        querystring: ListQuery,
        response: { 200: UserPage },
      },
    },
    async (request) => users.list(request.query),
  );

  app.post(
    '/users/:id/deactivate',
    {
      schema: {
        tags: ['users'],
        summary: 'Deactivate a user (idempotent); their open orders get cancelled',
        params: UserIdParams,
        response: { 200: UserSchema },
      },
    },
    async (request) =>
      users.deactivate(request.params.id, {
        correlationId: request.correlationId,
        traceparent: traceparentOf(request.headers),
      }),
  );
}
