// Applies events from the users topic to the local user projection, exactly once per event id: the inbox
// row, the projection change and any order cancellations commit in one transaction.
import type { Database } from '@tributary/database';
import { inbox } from '@tributary/messaging';
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
  deps: { db: Database; orders: Orders; logger: Logger },
  event: UserEvent,
): Promise<{ duplicate: boolean; cancelledOrders: number }> {
  // The consumer's record logger already carries correlationId, eventId and eventType: binding them again
  // would repeat the keys in every line.
  const log = deps.logger;
  if (event.ceType !== USER_REGISTERED && event.ceType !== USER_DEACTIVATED) {
    log.debug('ignoring an event type this service does not use');
    return { duplicate: false, cancelledOrders: 0 };
  }
  const result = await inbox.handleOnce(
    deps.db,
    { group: CONSUMER_GROUP, messageId: event.id },
    async (tx) => {
      if (event.ceType === USER_REGISTERED) {
        if (!isRegistered(event.payload))
          throw new UserEventError(`${event.ceType} ${event.id} has an invalid payload`);
        const { userId, email, name } = event.payload;
        await tx.query(
          `INSERT INTO users_projection (id, email, name, status) VALUES ($1, $2, $3, 'active')
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()`,
          [userId, email, name],
        );
        return 0;
      }
      if (!isDeactivated(event.payload))
        throw new UserEventError(`${event.ceType} ${event.id} has an invalid payload`);
      const { userId } = event.payload;
      await tx.query(
        `INSERT INTO users_projection (id, email, name, status) VALUES ($1, '', '', 'inactive')
       ON CONFLICT (id) DO UPDATE SET status = 'inactive', updated_at = now()`,
        [userId],
      );
      return deps.orders.cancelOpenOrdersOf(
        tx,
        userId,
        { correlationId: event.correlationId, traceparent: event.traceparent },
        'user deactivated',
      );
    },
  );
  if (result.duplicate) {
    log.info('event already applied; skipped');
    return { duplicate: true, cancelledOrders: 0 };
  }
  log.info({ cancelledOrders: result.result }, 'user event applied');
  return { duplicate: false, cancelledOrders: result.result };
}
