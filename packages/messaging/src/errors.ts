// Errors of the messaging library: each has a stable `code` and says whether trying again may help.

export const MessagingErrorCode = {
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  PUBLISH_TIMEOUT: 'PUBLISH_TIMEOUT',
  PUBLISH_FAILED: 'PUBLISH_FAILED',
  SCHEMA_INVALID: 'SCHEMA_INVALID',
  UNDECODABLE: 'UNDECODABLE',
  UNKNOWN_EVENT_TYPE: 'UNKNOWN_EVENT_TYPE',
  UNSUPPORTED_EVENT_VERSION: 'UNSUPPORTED_EVENT_VERSION',
  HANDLER_FAILED: 'HANDLER_FAILED',
  TRANSPORT_UNAVAILABLE: 'TRANSPORT_UNAVAILABLE',
  TRANSPORT_CLOSED: 'TRANSPORT_CLOSED',
  INVALID_ARGUMENT: 'MESSAGING_INVALID_ARGUMENT',
} as const;

export type MessagingErrorCode = (typeof MessagingErrorCode)[keyof typeof MessagingErrorCode];

export interface MessagingErrorOptions {
  retriable: boolean;
  cause?: unknown;
}

export class MessagingError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: MessagingErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MessagingError';
    this.code = code;
    this.retriable = options.retriable;
  }
}

/** The producer's circuit is open: the call was refused without touching the broker. */
export class CircuitOpenError extends MessagingError {
  constructor(cause?: unknown) {
    super(MessagingErrorCode.CIRCUIT_OPEN, 'publishing is suspended: the circuit breaker is open', {
      retriable: true,
      cause,
    });
    this.name = 'CircuitOpenError';
  }
}

export class PublishTimeoutError extends MessagingError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, cause?: unknown) {
    super(MessagingErrorCode.PUBLISH_TIMEOUT, `publish did not complete within ${timeoutMs} ms`, {
      retriable: true,
      cause,
    });
    this.name = 'PublishTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Every attempt failed; `cause` is the last attempt's error. */
export class PublishFailedError extends MessagingError {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(MessagingErrorCode.PUBLISH_FAILED, `publish failed after ${attempts} attempt(s): ${reason}`, {
      retriable: true,
      cause,
    });
    this.name = 'PublishFailedError';
    this.attempts = attempts;
  }
}

export interface SchemaIssue {
  /** JSON pointer into the payload, '' for the payload itself. */
  path: string;
  message: string;
}

export class SchemaInvalidError extends MessagingError {
  readonly eventType: string;
  readonly issues: SchemaIssue[];
  constructor(eventType: string, issues: SchemaIssue[]) {
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path || '/'} ${i.message}`)
      .join('; ');
    super(MessagingErrorCode.SCHEMA_INVALID, `${eventType} payload is invalid: ${summary}`, {
      retriable: false,
    });
    this.name = 'SchemaInvalidError';
    this.eventType = eventType;
    this.issues = issues;
  }
}

/** The record is not a CloudEvent we can read (not JSON, missing headers). */
export class UndecodableMessageError extends MessagingError {
  constructor(message: string, cause?: unknown) {
    super(MessagingErrorCode.UNDECODABLE, message, { retriable: false, cause });
    this.name = 'UndecodableMessageError';
  }
}

export class UnknownEventTypeError extends MessagingError {
  readonly eventType: string;
  constructor(eventType: string) {
    super(MessagingErrorCode.UNKNOWN_EVENT_TYPE, `unknown event type ${JSON.stringify(eventType)}`, {
      retriable: false,
    });
    this.name = 'UnknownEventTypeError';
    this.eventType = eventType;
  }
}

/** The event is of a version this reader cannot turn into the one it handles. */
export class UnsupportedEventVersionError extends MessagingError {
  readonly eventType: string;
  constructor(eventType: string, message: string) {
    super(MessagingErrorCode.UNSUPPORTED_EVENT_VERSION, message, { retriable: false });
    this.name = 'UnsupportedEventVersionError';
    this.eventType = eventType;
  }
}

/** The transport cannot take the request right now (broker down, simulated outage). */
export class TransportUnavailableError extends MessagingError {
  constructor(message: string, cause?: unknown) {
    super(MessagingErrorCode.TRANSPORT_UNAVAILABLE, message, { retriable: true, cause });
    this.name = 'TransportUnavailableError';
  }
}

export class TransportClosedError extends MessagingError {
  constructor(what: string) {
    super(MessagingErrorCode.TRANSPORT_CLOSED, `${what} is closed`, { retriable: false });
    this.name = 'TransportClosedError';
  }
}

export class MessagingArgumentError extends MessagingError {
  constructor(message: string) {
    super(MessagingErrorCode.INVALID_ARGUMENT, message, { retriable: false });
    this.name = 'MessagingArgumentError';
  }
}

/** Errors are worth retrying unless they say otherwise (`retriable: false`). */
export function isRetriable(error: unknown): boolean {
  if (error && typeof error === 'object' && 'retriable' in error) {
    return (error as { retriable: unknown }).retriable !== false;
  }
  return true;
}

export function errorCodeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return MessagingErrorCode.HANDLER_FAILED;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
