export {
  OrderItemSchema,
  OrderPlacedV1,
  OrderPlacedV1Schema,
} from './events/order-placed.ts';
export {
  type OrderStatus,
  OrderStatusChangedV1,
  OrderStatusChangedV1Schema,
  OrderStatusSchema,
} from './events/order-status-changed.ts';
export { UserDeactivatedV1, UserDeactivatedV1Schema } from './events/user-deactivated.ts';
export { UserRegisteredV1, UserRegisteredV1Schema } from './events/user-registered.ts';
export { allEvents, contracts } from './registry.ts';
export { type Topic, Topics } from './topics.ts';
