// Upcasting: a reader written for UserRegistered v2 reads v1 events still in the log, converted step by step
// and validated at each step; a reader of v1 refuses v2 events instead of misreading them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConsumerRunner,
  createEventRegistry,
  defineEvent,
  defineUpcaster,
  EventPublisher,
  type EventRegistry,
  SchemaInvalidError,
  UnsupportedEventVersionError,
} from '@tributary/messaging';
import { createInMemoryTransport, waitFor } from '@tributary/messaging/testing';
import { Type } from 'typebox';
import { Topics, UserRegisteredV1 } from '../src/index.ts';

// v2 splits the name and adds the marketing consent, which v1 users never gave.
const UserRegisteredV2 = defineEvent({
  type: 'user.registered',
  version: 2,
  topic: Topics.users,
  key: 'userId',
  schema: Type.Object({
    userId: Type.String({ minLength: 1 }),
    email: Type.String({ format: 'email' }),
    givenName: Type.String({ minLength: 1 }),
    familyName: Type.String(),
    marketingConsent: Type.Boolean(),
    registeredAt: Type.String({ format: 'date-time' }),
  }),
});

const v1ToV2 = defineUpcaster(UserRegisteredV1, UserRegisteredV2, (v1) => {
  const [givenName, ...rest] = v1.name.trim().split(/\s+/);
  return {
    userId: v1.userId,
    email: v1.email,
    givenName,
    familyName: rest.join(' '),
    marketingConsent: false,
    registeredAt: v1.registeredAt,
  };
});

const v1 = {
  userId: 'u1',
  email: 'ada@example.com',
  name: 'Ada King Lovelace',
  registeredAt: '2025-03-01T10:00:00Z',
};

function registry(upcasters = [v1ToV2]): EventRegistry {
  return createEventRegistry([UserRegisteredV1, UserRegisteredV2], { upcasters });
}

describe('upcasting UserRegistered v1 to v2', () => {
  it('turns a v1 payload into a valid v2 payload', () => {
    assert.deepEqual(registry().read(UserRegisteredV1.ceType, v1, UserRegisteredV2), {
      userId: 'u1',
      email: 'ada@example.com',
      givenName: 'Ada',
      familyName: 'King Lovelace',
      marketingConsent: false,
      registeredAt: '2025-03-01T10:00:00Z',
    });
  });

  it('validates the v1 payload before upcasting it', () => {
    assert.throws(
      () => registry().read(UserRegisteredV1.ceType, { ...v1, email: 'nope' }, UserRegisteredV2),
      (err) => err instanceof SchemaInvalidError && err.issues[0].path === '/email',
    );
  });

  it('refuses to read v1 as v2 without an upcaster, and v2 as v1', () => {
    assert.throws(
      () => registry([]).read(UserRegisteredV1.ceType, v1, UserRegisteredV2),
      UnsupportedEventVersionError,
    );
    assert.throws(
      () => registry().read(UserRegisteredV2.ceType, {}, UserRegisteredV1),
      (err) => err instanceof UnsupportedEventVersionError && err.code === 'UNSUPPORTED_EVENT_VERSION',
    );
  });

  it('delivers v1 events upcast to a handler of v2, and v2 events as they are', async (t) => {
    const transport = createInMemoryTransport();
    const contracts = registry();
    const publisher = new EventPublisher({ transport, source: '/user-service', registry: contracts });
    const runner = new ConsumerRunner({ transport, group: 'welcome-mails', registry: contracts });
    t.after(async () => {
      await runner.stop();
      await publisher.close();
      await transport.close();
    });
    const seen: { type: string; publishedType: string; givenName: string; attempt: number }[] = [];
    runner.subscribe(UserRegisteredV2, (event) => {
      seen.push({
        type: event.type,
        publishedType: event.publishedType,
        givenName: event.data.givenName,
        attempt: event.attempt,
      });
    });
    await runner.start();
    await publisher.publishEvent(UserRegisteredV1, v1);
    await publisher.publishEvent(UserRegisteredV2, {
      userId: 'u1',
      email: 'ada@example.com',
      givenName: 'Augusta',
      familyName: 'Lovelace',
      marketingConsent: true,
      registeredAt: '2025-03-02T10:00:00Z',
    });
    await waitFor(() => seen.length === 2, 'both events');
    // The handler sees every event as the v2 it subscribed to; the version it was published as is kept.
    assert.deepEqual(seen, [
      {
        type: 'tributary.user.registered.v2',
        publishedType: 'tributary.user.registered.v1',
        givenName: 'Ada',
        attempt: 0,
      },
      {
        type: 'tributary.user.registered.v2',
        publishedType: 'tributary.user.registered.v2',
        givenName: 'Augusta',
        attempt: 0,
      },
    ]);
  });
});
