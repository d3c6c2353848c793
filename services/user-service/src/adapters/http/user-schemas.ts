// HTTP schemas of the User Service: the types, the validation and the OpenAPI document at once, with the
// examples a client can send as they are.
import { textSchema } from '@tributary/service-kit';
import { Type } from 'typebox';
import { USER_STATUSES } from '../../domain/user.ts';

export const EXAMPLE_USER_ID = '3f2c1a9e-8b7d-4c6e-9f1a-2b3c4d5e6f70';

export const EXAMPLE_USER = {
  id: EXAMPLE_USER_ID,
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  status: 'active',
  createdAt: '2026-03-01T09:30:00.000Z',
} as const;

export const UserSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Assigned by the service' }),
    email: Type.String({ format: 'email', description: 'Trimmed and lower-cased' }),
    name: Type.String(),
    status: Type.Enum(USER_STATUSES, { type: 'string', description: 'Deactivation is final' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'User' },
);

export const RegisterBody = Type.Object(
  {
    email: textSchema({
      minLength: 3,
      maxLength: 254,
      description: 'Unique; compared trimmed and case-insensitively',
    }),
    name: textSchema({
      minLength: 1,
      maxLength: 200,
      description: 'At least one visible character; no bidirectional control characters',
    }),
  },
  {
    additionalProperties: false,
    title: 'RegisterUser',
    examples: [{ email: 'ada@example.com', name: 'Ada Lovelace' }],
  },
);

export const UserIdParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The user id', examples: [EXAMPLE_USER_ID] }),
});

export const DEFAULT_PAGE_SIZE = 20;

export const ListQuery = Type.Object(
  {
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

export const UserPage = Type.Object(
  {
    items: Type.Array(UserSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  },
  { title: 'UserPage' },
);
