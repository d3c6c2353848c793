// Every error code the Order Service answers with, beyond the platform's, with its one status and title.
import type { ProblemTypeTable } from '@tributary/service-kit';

export const ORDER_PROBLEM_TYPES = {
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found', description: 'No order has this id.' },
  USER_UNKNOWN: {
    status: 422,
    title: 'User not known yet',
    description:
      'The Order Service learns users from their events, moments after registration: retry after `Retry-After`. A user that was never registered stays unknown.',
  },
  USER_INACTIVE: {
    status: 422,
    title: 'User is inactive',
    description: 'The user was deactivated and cannot place orders.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused with a different request',
    description:
      'The `Idempotency-Key` was first used with another body (key order in the JSON does not count).',
  },
  ORDER_INVALID_TRANSITION: {
    status: 409,
    title: 'Order status change not allowed',
    description: 'Pending → Confirmed → Shipped → Delivered; Pending or Confirmed → Cancelled; nothing else.',
  },
  INVALID_ORDER: { status: 400, title: 'Invalid order', description: 'The order total is too large.' },
} as const satisfies ProblemTypeTable;
