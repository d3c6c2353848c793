// A user account was created.
import { defineEvent } from '@tributary/messaging';
import { type Static, Type } from 'typebox';
import { Topics } from '../topics.ts';

export const UserRegisteredV1Schema = Type.Object({
  userId: Type.String({ minLength: 1, description: 'aggregate id of the user' }),
  email: Type.String({ format: 'email' }),
  name: Type.String({ minLength: 1 }),
  registeredAt: Type.String({ format: 'date-time' }),
});

export type UserRegisteredV1 = Static<typeof UserRegisteredV1Schema>;

export const UserRegisteredV1 = defineEvent({
  type: 'user.registered',
  version: 1,
  topic: Topics.users,
  key: 'userId',
  schema: UserRegisteredV1Schema,
  description: 'A user account was created.',
});
