// Applies events from the users topic to the local user projection, exactly once per event id: the inbox
// row, the projection change and any order cancellations commit in one transaction.
import type { Logger } from 'pino';
import type { Orders } from './orders.ts';

export const USER_REGISTERED = 'tributary.user.registered.v1';
export const USER_DEACTIVATED = 'tributary.user.deactivated.v1';
export const CONSUMER_GROUP = 'order-service';

export interface UserEvent {
  /** CloudEvents id (`ce_id`): the inbox key. */
  id: string;
  ceType: string;
  payload: unknown;
  correlationId: string;
  traceparent?: string;
}

export class UserEventError extends Error {
  readonly code = 'USER_EVENT_INVALID';
  readonly retriable = false;
}

interface Registered {
  userId: string;
  email: string;
  name: string;
}

function isRegistered(p: unknown): p is Registered {
  const o = p as Record<string, unknown> | null;
  return !!o && typeof o.userId === 'string' && typeof o.email === 'string' && typeof o.name === 'string';
}

function isDeactivated(p: unknown): p is { userId: string; reason?: string } {
  const o = p as Record<string, unknown> | null;
  return !!o && typeof o.userId === 'string';
}

export async function applyUserEvent(
  deps: { orders: Orders; logger: Logger },
  event: UserEvent,
): Promise<{ duplicate: boolean; cancelledOrders: number }> {
  // The consumer's record logger already carries correlationId, eventId and eventType: binding them again
  // would repeat the keys in every line.
  const log = deps.logger;
  let result: { duplicate: boolean; cancelledOrders: number };
  if (event.ceType === USER_REGISTERED) {
    if (!isRegistered(event.payload))
      throw new UserEventError(`${event.ceType} ${event.id} has an invalid payload`);
    const { userId, email, name } = event.payload;
    const applied = await deps.orders.recordUserRegistered(CONSUMER_GROUP, event.id, { userId, email, name });
    result = { duplicate: applied.duplicate, cancelledOrders: 0 };
  } else if (event.ceType === USER_DEACTIVATED) {
    if (!isDeactivated(event.payload))
      throw new UserEventError(`${event.ceType} ${event.id} has an invalid payload`);
    result = await deps.orders.recordUserDeactivated(CONSUMER_GROUP, event.id, event.payload.userId, {
      correlationId: event.correlationId,
      traceparent: event.traceparent,
    });
  } else {
    log.debug('ignoring an event type this service does not use');
    return { duplicate: false, cancelledOrders: 0 };
  }
  if (result.duplicate) log.info('event already applied; skipped');
  else log.info({ cancelledOrders: result.cancelledOrders }, 'user event applied');
  return result;
}
