// Domain errors of the order rules, with stable codes the HTTP edge turns into problem+json.
import type { OrderStatus } from './order-status.ts';

export class OrderInvalidTransitionError extends Error {
  readonly code = 'ORDER_INVALID_TRANSITION';
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  constructor(from: OrderStatus, to: OrderStatus) {
    super(`an order that is ${from} cannot become ${to}`);
    this.name = 'OrderInvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

export class InvalidOrderError extends Error {
  readonly code = 'INVALID_ORDER';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderError';
  }
}
