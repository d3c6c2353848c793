// Applies events of the User Service to the Order Service's view of users, exactly once per event id: the
// inbox row, the projection change and any order cancellations commit in one transaction. Each use case
// takes the payload of its contract, already validated (and upcast) by the consumer.
import type { UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import type { Logger } from 'pino';
import type { Orders } from './orders.ts';

export const CONSUMER_GROUP = 'order-service';

/** What a use case needs of a consumed event besides its payload. */
export interface UserEventMeta {
  /** CloudEvents id (`ce_id`): the inbox key. */
  id: string;
  correlationId: string;
  traceparent?: string;
}

export interface UserEventDeps {
  orders: Orders;
  /** The consumer's record logger: it already carries correlationId, eventId and eventType. */
  logger: Logger;
}

export interface UserEventResult {
  duplicate: boolean;
  cancelledOrders: number;
}

function logged(logger: Logger, result: UserEventResult): UserEventResult {
  if (result.duplicate) logger.info('event already applied; skipped');
  else logger.info({ cancelledOrders: result.cancelledOrders }, 'user event applied');
  return result;
}

/** A registered user can place orders from now on. */
export async function applyUserRegistered(
  deps: UserEventDeps,
  meta: UserEventMeta,
  user: UserRegisteredV1,
): Promise<UserEventResult> {
  const { userId, email, name } = user;
  const applied = await deps.orders.recordUserRegistered(CONSUMER_GROUP, meta.id, { userId, email, name });
  return logged(deps.logger, { duplicate: applied.duplicate, cancelledOrders: 0 });
}

/** A deactivated user places no more orders, and their open orders are cancelled. */
export async function applyUserDeactivated(
  deps: UserEventDeps,
  meta: UserEventMeta,
  change: UserDeactivatedV1,
): Promise<UserEventResult> {
  const result = await deps.orders.recordUserDeactivated(CONSUMER_GROUP, meta.id, change.userId, {
    correlationId: meta.correlationId,
    traceparent: meta.traceparent,
  });
  return logged(deps.logger, result);
}
