// The database port the inbox and outbox run on: a tiny surface that both `pg` and PGlite implement.
import type { Logger } from 'pino';

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned by a SELECT or touched by INSERT/UPDATE/DELETE (0 for statements without a count). */
  rowCount: number;
}

export interface SqlExecutor {
  /**
   * Runs one statement with `$1..$n` parameters. Without parameters the text may hold several statements
   * separated by `;` (the simple query protocol); the result is then the last statement's.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface Database extends SqlExecutor {
  readonly kind: DatabaseKind;
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection; any error thrown by `fn` (or by COMMIT) rolls back and
   * is rethrown unchanged. Use `tx`, never the database, inside `fn`: on PGlite the database waits for the
   * transaction to end, so a query on it from inside `fn` would never run.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * `query`, started before the operations still waiting for their turn where operations take turns (PGlite's
   * one connection; on PostgreSQL it is `query`). For short statements that other work waits on, such as the
   * outbox relay's claim and mark, which move committed events on while requests queue.
   */
  queryAhead<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /**
   * LISTEN on `channel` (a lower-case SQL identifier); `onNotify` gets each payload once its transaction
   * commits. Resolves once listening; the returned function stops. On PostgreSQL a dedicated connection
   * carries every channel and reconnects after errors: notifications sent while it is down are lost, so
   * listeners must also poll.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Schema the service owns: created if missing and made the only entry of `search_path`. */
  schema?: string;
  /** Pool size, default 10. */
  max?: number;
  /** Longest wait for a new connection (or a free pooled one) before the query fails, default 5 s. */
  connectTimeoutMs?: number;
  /** Reported to PostgreSQL as `application_name` (the listening connection appends `:listen`). */
  applicationName?: string;
  logger?: Logger;
}

export interface PgliteDatabaseOptions {
  /** Directory holding the data; undefined keeps everything in memory. */
  dataDir?: string;
  logger?: Logger;
  /**
   * Where the dump of a freshly initialised database is kept, which new databases are unpacked from (made
   * when missing); default `node_modules/.cache/tributary-pglite/` beside the installed PGlite.
   */
  templateDir?: string;
  /**
   * PostgreSQL's buffer pool in MiB, 1 to 1024 (default 16). PGlite sets the whole pool up each time it
   * opens, about 5.5 ms of CPU per MiB; PostgreSQL's own default of 128 MiB makes an open 0.35 s slower.
   * Pages beyond the pool are read from the operating system's cache.
   */
  sharedBuffersMB?: number;
}

export interface Migration {
  /** Unique, stable id; recorded in `schema_migrations` once applied. */
  id: string;
  /** One or more SQL statements. */
  sql: string;
}
