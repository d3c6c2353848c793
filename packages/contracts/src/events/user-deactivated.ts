// A user account was deactivated; their open orders get cancelled.
import { defineEvent } from '@tributary/messaging';
import { type Static, Type } from 'typebox';
import { Topics } from '../topics.ts';

export const UserDeactivatedV1Schema = Type.Object({
  userId: Type.String({ minLength: 1 }),
  deactivatedAt: Type.String({ format: 'date-time' }),
  reason: Type.Optional(Type.String()),
});

export type UserDeactivatedV1 = Static<typeof UserDeactivatedV1Schema>;

export const UserDeactivatedV1 = defineEvent({
  type: 'user.deactivated',
  version: 1,
  topic: Topics.users,
  key: 'userId',
  schema: UserDeactivatedV1Schema,
  description: 'A user account was deactivated.',
});
