// Errors of the order use cases: a stable code and a detail. Their HTTP status and title live in one place,
// the problem type table of the HTTP adapter.
import { CodedError } from '@tributary/service-kit';

export class OrderNotFoundError extends CodedError {
  constructor(id: string) {
    super('ORDER_NOT_FOUND', `no order with id ${id}`, { extra: { orderId: id } });
  }
}

/**
 * The Order Service learns users from the users topic, moments after they register: an unknown user may be
 * one registered an instant ago, so the answer says to retry (and when), not that the user does not exist.
 */
export class UserUnknownError extends CodedError {
  constructor(id: string, retryAfterSeconds: number) {
    super(
      'USER_UNKNOWN',
      `no user with id ${id} is known to the Order Service yet; a user registered moments ago becomes known ` +
        `within seconds, so retry after ${retryAfterSeconds} s (a user that was never registered stays unknown)`,
      { extra: { userId: id }, retryAfterSeconds },
    );
  }
}

export class UserInactiveError extends CodedError {
  constructor(id: string) {
    super('USER_INACTIVE', `user ${id} is deactivated and cannot place orders`, { extra: { userId: id } });
  }
}

export class IdempotencyKeyReusedError extends CodedError {
  constructor(key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was first used with a different request body`, {
      extra: { idempotencyKey: key },
    });
  }
}

export class InvalidTransitionError extends CodedError {
  constructor(from: string, to: string, cause: unknown) {
    super('ORDER_INVALID_TRANSITION', `the order is ${from} and cannot become ${to}`, {
      extra: { currentStatus: from, requestedStatus: to },
      cause,
    });
  }
}
