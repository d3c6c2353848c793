// Errors of the user use cases: a stable code and a detail. Their HTTP status and title live in one place,
// the problem type table of the HTTP adapter.
import { CodedError } from '@tributary/service-kit';

export class EmailTakenError extends CodedError {
  constructor(email: string) {
    super('USER_EMAIL_TAKEN', `a user with email ${email} already exists`, { extra: { email } });
  }
}

export class UserNotFoundError extends CodedError {
  constructor(id: string) {
    super('USER_NOT_FOUND', `no user with id ${id}`, { extra: { userId: id } });
  }
}
