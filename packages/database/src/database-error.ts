// Every failure that comes out of the database port, with the SQLSTATE kept and a stable code on top.

export type DatabaseErrorCode =
  | 'DB_UNIQUE_VIOLATION'
  | 'DB_CONSTRAINT_VIOLATION'
  | 'DB_SERIALIZATION_FAILURE'
  | 'DB_CONNECTION_FAILED'
  | 'DB_OUT_OF_RESOURCES'
  | 'DB_NOT_READY'
  | 'DB_QUERY_FAILED'
  | 'DB_CLOSED'
  | 'DB_INVALID_NAME'
  | 'DB_MIGRATION_FAILED';

/** SQLSTATE values callers commonly test for (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export class DatabaseError extends Error {
  readonly code: DatabaseErrorCode;
  /** The five-character SQLSTATE reported by PostgreSQL, when the server answered. */
  readonly sqlState: string | undefined;
  /** Constraint named by a violation (e.g. the unique index), when reported. */
  readonly constraint: string | undefined;
  /** True when running the same work again later may succeed (lost connection, serialization failure). */
  readonly retriable: boolean;

  constructor(
    code: DatabaseErrorCode,
    message: string,
    options: { sqlState?: string; constraint?: string; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DatabaseError';
    this.code = code;
    this.sqlState = options.sqlState;
    this.constraint = options.constraint;
    this.retriable = options.retriable ?? false;
  }
}

const connectionErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function isSqlState(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9A-Z]{5}$/.test(value);
}

/** Wraps anything a driver threw; a `DatabaseError` passes through unchanged. */
export function toDatabaseError(error: unknown, context: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  const detail = typeof fields.message === 'string' ? fields.message : String(error);
  const message = `${context}: ${detail}`;
  const constraint = typeof fields.constraint === 'string' ? fields.constraint : undefined;
  if (isSqlState(fields.code)) {
    const sqlState = fields.code;
    const base = { sqlState, cause: error, ...(constraint === undefined ? {} : { constraint }) };
    if (sqlState === SqlState.uniqueViolation) return new DatabaseError('DB_UNIQUE_VIOLATION', message, base);
    if (sqlState.startsWith('23')) return new DatabaseError('DB_CONSTRAINT_VIOLATION', message, base);
    if (sqlState === SqlState.serializationFailure || sqlState === SqlState.deadlockDetected) {
      return new DatabaseError('DB_SERIALIZATION_FAILURE', message, { ...base, retriable: true });
    }
    // Class 08 (connection exception) and 57P01-57P03 (server shutting down, cannot connect now).
    if (sqlState.startsWith('08') || /^57P0[1-3]$/.test(sqlState)) {
      return new DatabaseError('DB_CONNECTION_FAILED', message, { ...base, retriable: true });
    }
    // Class 53 (insufficient resources: disk full, out of memory, too many connections): the database
    // cannot do the work now, whatever the work is, and can once an operator (or time) frees what it lacks.
    if (sqlState.startsWith('53')) {
      return new DatabaseError('DB_OUT_OF_RESOURCES', message, { ...base, retriable: true });
    }
    return new DatabaseError('DB_QUERY_FAILED', message, base);
  }
  if (
    (typeof fields.code === 'string' && connectionErrnos.has(fields.code)) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|is not queryable/i.test(
      detail,
    )
  ) {
    return new DatabaseError('DB_CONNECTION_FAILED', message, { cause: error, retriable: true });
  }
  return new DatabaseError('DB_QUERY_FAILED', message, { cause: error });
}

/** True for a unique-constraint violation (SQLSTATE 23505), wrapped or not. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof DatabaseError
    ? error.sqlState === SqlState.uniqueViolation
    : toDatabaseError(error, '').sqlState === SqlState.uniqueViolation;
}

/**
 * True when the database cannot be reached or cannot work right now (connection refused or lost, server
 * restarting, the service still waiting for it at startup, disk full, out of memory or connections): the
 * work may succeed unchanged once it is back. Looks through
 * `cause` chains, since callers may wrap the error (a migration that lost its connection counts too).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const found = databaseErrorIn(error);
  return (
    found !== undefined &&
    (found.code === 'DB_CONNECTION_FAILED' ||
      found.code === 'DB_NOT_READY' ||
      found.code === 'DB_OUT_OF_RESOURCES')
  );
}

/**
 * The first `DatabaseError` in `error`'s `cause` chain that says what went wrong: a failed migration is
 * looked through to what made it fail.
 */
export function databaseErrorIn(error: unknown): DatabaseError | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof DatabaseError && current.code !== 'DB_MIGRATION_FAILED') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
