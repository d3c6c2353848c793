// Schema and channel names go into SQL text and connection options unquoted, so only plain identifiers pass.
import { DatabaseError } from './database-error.ts';

const plainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSqlName(what: 'schema' | 'channel', name: string): string {
  if (typeof name !== 'string' || !plainIdentifier.test(name)) {
    throw new DatabaseError(
      'DB_INVALID_NAME',
      `${what} name ${JSON.stringify(name)} is not a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 chars)`,
    );
  }
  return name;
}
