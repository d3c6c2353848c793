export { changeStatus, type Order, type OrderItem, placeOrder, type StatusChange } from './order.ts';
export { InvalidOrderError, OrderInvalidTransitionError } from './order-errors.ts';
export {
  canTransition,
  OPEN_STATUSES,
  ORDER_ACTIONS,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  type OrderAction,
  type OrderStatus,
} from './order-status.ts';
