// A service's database handle, usable before the database is: the service starts (HTTP up, not ready)
// while this keeps opening the database and applying migrations with backoff; until that succeeds every
// query fails fast with a retriable DB_NOT_READY (503 at the HTTP edge). A database that goes away later is
// the driver's business: the pool reconnects on the next query.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  DatabaseError,
  type DatabaseKind,
  errorSummary,
  isDatabaseUnavailable,
  type Migration,
  rootCauseOf,
  runMigrations,
  type SqlExecutor,
} from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { type Logger, pino } from 'pino';

export interface ServiceDatabaseOptions {
  /** postgres:// URL; when absent, PGlite stores the data under `dataDir`. */
  databaseUrl?: string;
  /** PostgreSQL schema the service owns. */
  schema: string;
  /** PGlite data directory; undefined keeps the data in memory (tests). */
  dataDir?: string;
  /** PGlite's buffer pool in MiB (default 16, see PgliteDatabaseOptions). */
  pgliteSharedBuffersMB?: number;
  migrations: readonly Migration[];
  logger?: Logger;
  /** Longest pause between two attempts to reach the database at startup (default 2 s). */
  retryMaxDelayMs?: number;
}

export class ServiceDatabase implements Database {
  readonly kind: DatabaseKind;
  /** Resolves once the database is open and migrated; rejects only on a fault retrying cannot fix. */
  readonly ready: Promise<void>;
  readonly #options: ServiceDatabaseOptions;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #inner: Database | undefined;
  #usable = false;
  #lastFailure = 'not opened yet';

  constructor(options: ServiceDatabaseOptions) {
    this.#options = options;
    this.kind = options.databaseUrl ? 'postgres' : 'pglite';
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'service-database' });
    this.ready = this.#open();
    // Callers that never await `ready` (they read `isReady`) must not see an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** True once migrations have been applied. */
  get isReady(): boolean {
    return this.#usable;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.#database().query<R>(sql, params);
  }

  async queryAhead<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.#database().queryAhead<R>(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#database().transaction(fn);
  }

  async listen(channel: string, onNotify: (payload: string) => void) {
    return this.#database().listen(channel, onNotify);
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.ready.catch(() => undefined);
    const inner = this.#inner;
    this.#inner = undefined;
    this.#usable = false;
    await inner?.close();
  }

  #database(): Database {
    if (this.#usable && this.#inner !== undefined) return this.#inner;
    throw new DatabaseError('DB_NOT_READY', `the database is not available yet (${this.#lastFailure})`, {
      retriable: true,
    });
  }

  async #open(): Promise<void> {
    const { retryMaxDelayMs = 2_000 } = this.#options;
    const backoffFactory = new ExponentialBackoff({ initialDelay: 100, maxDelay: retryMaxDelayMs });
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.#stop.signal.aborted) throw new DatabaseError('DB_CLOSED', 'database is closed');
      try {
        this.#inner ??= await this.#create();
        const applied = await runMigrations(this.#inner, this.#options.migrations);
        this.#usable = true;
        this.#logger.info({ kind: this.kind, applied, attempts: attempt }, 'database ready');
        return;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) {
          this.#lastFailure = rootCauseOf(error);
          this.#logger.error(
            { error: errorSummary(error) },
            `${this.#lastFailure}: cannot prepare the database`,
          );
          throw error;
        }
        backoff = (backoff ?? backoffFactory).next(undefined);
        const delayMs = Math.round(backoff.duration);
        this.#lastFailure = rootCauseOf(error);
        this.#logger.warn(
          { error: errorSummary(error), attempt, retryInMs: delayMs },
          `${this.#lastFailure}: database not available; trying again in ${delayMs} ms`,
        );
        await sleep(delayMs, undefined, { signal: this.#stop.signal }).catch(() => undefined);
      }
    }
  }

  async #create(): Promise<Database> {
    const { databaseUrl, schema, dataDir, pgliteSharedBuffersMB, logger } = this.#options;
    return databaseUrl
      ? createPostgresDatabase({ connectionString: databaseUrl, schema, logger })
      : createPgliteDatabase({ dataDir, sharedBuffersMB: pgliteSharedBuffersMB, logger });
  }
}

/** Starts opening the database in the background; see `ServiceDatabase`. */
export function startServiceDatabase(options: ServiceDatabaseOptions): ServiceDatabase {
  return new ServiceDatabase(options);
}
