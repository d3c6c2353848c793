// Errors the order application layer raises; each becomes a problem+json response at the HTTP edge.
import { AppError } from '@tributary/service-kit';

export const orderNotFound = (id: string) =>
  new AppError({
    code: 'ORDER_NOT_FOUND',
    status: 404,
    title: 'Order not found',
    detail: `no order with id ${id}`,
  });

export const userNotFound = (id: string) =>
  new AppError({
    code: 'USER_NOT_FOUND',
    status: 422,
    title: 'Unknown user',
    detail: `no user with id ${id} is known to the Order Service`,
    extra: { userId: id },
  });

export const userInactive = (id: string) =>
  new AppError({
    code: 'USER_INACTIVE',
    status: 422,
    title: 'User is inactive',
    detail: `user ${id} is deactivated and cannot place orders`,
    extra: { userId: id },
  });

export const idempotencyKeyReused = (key: string) =>
  new AppError({
    code: 'IDEMPOTENCY_KEY_REUSED',
    status: 422,
    title: 'Idempotency key reused with a different request',
    detail: `Idempotency-Key ${key} was first used with a different request body`,
  });

export const invalidTransition = (from: string, to: string) =>
  new AppError({
    code: 'ORDER_INVALID_TRANSITION',
    status: 409,
    title: 'Order status change not allowed',
    detail: `the order is ${from} and cannot become ${to}`,
    extra: { currentStatus: from, requestedStatus: to },
  });

export const invalidOrder = (message: string) =>
  new AppError({ code: 'INVALID_ORDER', status: 400, title: 'Invalid order', detail: message });
