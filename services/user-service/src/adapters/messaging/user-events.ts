// The events the User Service emits, as outbox messages in CloudEvents binary mode (via the contracts).
import { UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import { type OutboxMessage, toKafkaMessage } from '@tributary/messaging';
import type { User } from '../../domain/user.ts';

export const CE_SOURCE = '/tributary/user-service';

export interface EventContext {
  correlationId: string;
  traceparent?: string;
}

function asOutbox(
  kind: typeof UserRegisteredV1 | typeof UserDeactivatedV1,
  user: User,
  payload: unknown,
  ctx: EventContext,
  time: Date,
): OutboxMessage {
  const message = toKafkaMessage(kind, payload, {
    source: CE_SOURCE,
    correlationId: ctx.correlationId,
    traceparent: ctx.traceparent,
    time,
  });
  return {
    aggregateType: 'user',
    aggregateId: user.id,
    topic: message.topic,
    key: message.key,
    eventType: kind.ceType,
    payload,
    headers: message.headers,
  };
}

export function userRegistered(user: User, ctx: EventContext): OutboxMessage {
  const payload = { userId: user.id, email: user.email, name: user.name, registeredAt: user.createdAt };
  return asOutbox(UserRegisteredV1, user, payload, ctx, new Date(user.createdAt));
}

export function userDeactivated(user: User, ctx: EventContext, at: Date): OutboxMessage {
  const payload = { userId: user.id, deactivatedAt: at.toISOString() };
  return asOutbox(UserDeactivatedV1, user, payload, ctx, at);
}
