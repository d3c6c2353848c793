// Every event contract of the platform, all versions, with the upcasters between versions.
import { createEventRegistry } from '@tributary/messaging';
import { OrderPlacedV1 } from './events/order-placed.ts';
import { OrderStatusChangedV1 } from './events/order-status-changed.ts';
import { UserDeactivatedV1 } from './events/user-deactivated.ts';
import { UserRegisteredV1 } from './events/user-registered.ts';

export const allEvents = [UserRegisteredV1, UserDeactivatedV1, OrderPlacedV1, OrderStatusChangedV1] as const;

export const contracts = createEventRegistry(allEvents, { upcasters: [] });
