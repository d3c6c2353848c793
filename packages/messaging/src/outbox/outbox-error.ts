export type OutboxErrorCode =
  | 'OUTBOX_INVALID_MESSAGE'
  | 'OUTBOX_INVALID_OPTIONS'
  | 'OUTBOX_INVALID_TRANSITION'
  | 'OUTBOX_RELAY_ALREADY_RUNNING'
  | 'OUTBOX_RELAY_NOT_RUNNING'
  | 'OUTBOX_RELAY_STOPPED'
  | 'OUTBOX_PUBLISH_TIMEOUT';

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}
