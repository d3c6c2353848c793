// Errors of the log layer, each with a stable code the handlers map to Kafka error codes.

export type LogErrorCode =
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_TOPIC_NAME'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_TOPIC'
  | 'STORAGE_ERROR';

export class LogError extends Error {
  readonly code: LogErrorCode;
  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogError';
    this.code = code;
  }
}

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic name rules; returns what is wrong, or null. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'topic name is empty';
  if (name.length > 249) return `topic name is ${name.length} characters long; the limit is 249`;
  if (name === '.' || name === '..') return `topic name cannot be '${name}'`;
  if (!LEGAL.test(name))
    return `topic name '${name}' may only contain ASCII letters, digits, '.', '_' and '-'`;
  return null;
}
