// Errors caused by what a client sent: they close that client's connection with a warning, nothing more.
import { ProtocolError } from '@tributary/kafka-protocol';

export class BadRequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BadRequestError';
    this.code = code;
  }
}

export function isClientError(err: unknown): boolean {
  return err instanceof ProtocolError || err instanceof BadRequestError;
}
