// Errors for bytes that are not a valid Kafka message: the broker closes the connection that sent them.

export type ProtocolErrorCode =
  | 'TRUNCATED'
  | 'INVALID_LENGTH'
  | 'INVALID_VARINT'
  | 'INVALID_VALUE'
  | 'UNKNOWN_API_KEY'
  | 'UNSUPPORTED_VERSION'
  | 'COMPRESSED'
  | 'INVALID_RECORD_BATCH';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** The request's correlation id when the header could be read. */
  correlationId?: number;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
