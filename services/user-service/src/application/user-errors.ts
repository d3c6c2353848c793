// Errors of the user use cases; each becomes a problem+json response at the HTTP edge.
import { AppError } from '@tributary/service-kit';

export const emailTaken = (email: string) =>
  new AppError({
    code: 'USER_EMAIL_TAKEN',
    status: 409,
    title: 'Email already registered',
    detail: `a user with email ${email} already exists`,
    extra: { email },
  });

export const userNotFound = (id: string) =>
  new AppError({
    code: 'USER_NOT_FOUND',
    status: 404,
    title: 'User not found',
    detail: `no user with id ${id}`,
  });

export const invalidUser = (message: string) =>
  new AppError({ code: 'INVALID_USER', status: 400, title: 'Invalid user', detail: message });
