// The Order Service's subscriptions to the users topic: one handler per contract, typed by it, so a new
// version of an event is a compile-time change here rather than a string nobody compares against.
import { UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import type { ConsumedEvent, ConsumerRunner } from '@tributary/messaging';
import type { Orders } from '../../application/orders.ts';
import {
  applyUserDeactivated,
  applyUserRegistered,
  type UserEventMeta,
} from '../../application/user-events.ts';

function metaOf(event: ConsumedEvent<unknown>): UserEventMeta {
  return {
    id: event.id,
    correlationId: event.correlationId,
    ...(event.traceparent === '' ? {} : { traceparent: event.traceparent }),
  };
}

export function subscribeToUserEvents(runner: ConsumerRunner, deps: { orders: Orders }): void {
  runner.subscribe(UserRegisteredV1, async (event, { logger }) => {
    await applyUserRegistered({ orders: deps.orders, logger }, metaOf(event), event.data);
  });
  runner.subscribe(UserDeactivatedV1, async (event, { logger }) => {
    await applyUserDeactivated({ orders: deps.orders, logger }, metaOf(event), event.data);
  });
}
