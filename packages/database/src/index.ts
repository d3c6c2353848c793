export type {
  Database,
  DatabaseKind,
  Migration,
  PgliteDatabaseOptions,
  PostgresDatabaseOptions,
  QueryResult,
  SqlExecutor,
} from './database.ts';
export {
  DatabaseError,
  type DatabaseErrorCode,
  databaseErrorIn,
  isDatabaseUnavailable,
  isUniqueViolation,
  SqlState,
  toDatabaseError,
} from './database-error.ts';
export { runMigrations } from './migrations.ts';
export { createPgliteDatabase, PGLITE_SHARED_BUFFERS_MB } from './pglite-database.ts';
export { createPostgresDatabase } from './postgres-database.ts';
export { errorSummary, innermostCause, rootCauseOf } from './root-cause.ts';
