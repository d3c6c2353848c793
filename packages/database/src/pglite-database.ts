// The database port on PGlite: embedded PostgreSQL (WASM) in this process, one connection.
import { mkdir, readdir, rm } from 'node:fs/promises';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { type Logger, pino } from 'pino';
import type { Database, PgliteDatabaseOptions, QueryResult, SqlExecutor } from './database.ts';
import { DatabaseError, toDatabaseError } from './database-error.ts';
import { pgliteAssets } from './pglite-assets.ts';
import { defaultTemplateDir, readTemplate, writeTemplate } from './pglite-template.ts';
import { assertSqlName } from './sql-name.ts';
import { tracedQuery, tracedTransaction } from './tracing.ts';

function toResult<R>(results: Results | Results[]): QueryResult<R> {
  const last = Array.isArray(results) ? results[results.length - 1] : results;
  if (last === undefined) return { rows: [], rowCount: 0 };
  return { rows: last.rows as R[], rowCount: last.rowCount ?? last.affectedRows ?? last.rows.length };
}

async function run<R>(
  target: PGlite | Transaction,
  sql: string,
  params?: unknown[],
): Promise<QueryResult<R>> {
  try {
    // Like `pg`, a query without parameters goes through the simple protocol and may hold several statements.
    return params === undefined || params.length === 0
      ? toResult<R>(await target.exec(sql))
      : toResult<R>(await target.query(sql, params));
  } catch (error) {
    throw toDatabaseError(error, 'query failed');
  }
}

/**
 * Runs the database's operations one at a time, each starting in a turn of the event loop of its own.
 * PGlite executes a statement synchronously, and its own queue hands over from one caller to the next in
 * promise callbacks only: a queue of transactions (requests under load) would run back to back while
 * timers and sockets wait, for as long as the queue lasts (measured: an outbox relay's 5 ms publish
 * answered after 3.4 s, once four writers stopped). A turn between operations lets acknowledgements,
 * wake-ups and new requests in. Operations start first come, first served, those run `ahead` before the
 * others.
 */
class Turns {
  readonly #waiting: Array<() => void> = [];
  readonly #ahead: Array<() => void> = [];
  #busy = false;

  async run<T>(work: () => Promise<T>, ahead = false): Promise<T> {
    await new Promise<void>((start) => {
      (ahead ? this.#ahead : this.#waiting).push(start);
      this.#next();
    });
    try {
      return await work();
    } finally {
      this.#busy = false;
      this.#next();
    }
  }

  #next(): void {
    if (this.#busy) return;
    const start = this.#ahead.shift() ?? this.#waiting.shift();
    if (start === undefined) return;
    this.#busy = true;
    setImmediate(start);
  }
}

/** True when `dataDir` holds no database yet: in memory, missing or an empty directory. */
async function isNew(dataDir: string | undefined): Promise<boolean> {
  if (dataDir === undefined || dataDir.startsWith('memory://')) return true;
  if (dataDir.includes('://')) return false;
  try {
    return (await readdir(dataDir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * PGlite is loaded when the first embedded database opens, so that a process on PostgreSQL, or without a
 * database (the console), runs without it, and an image can leave it out.
 */
async function loadPglite(): Promise<typeof PGlite> {
  return (await import('@electric-sql/pglite')).PGlite;
}

/**
 * Opens the database; a new one starts from the cached dump of a fresh database when there is one (see
 * pglite-template.ts), and otherwise is initialised and, once, becomes that dump.
 */
async function openPglite(
  dataDir: string | undefined,
  templateDir: string | undefined,
  sharedBuffersMB: number,
  logger: Logger,
): Promise<PGlite> {
  const engine = await loadPglite();
  // Command-line settings win over the data directory's postgresql.conf (128MB from initdb).
  const options = {
    ...(await pgliteAssets()),
    startParams: [...engine.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMB}MB`],
  };
  const onDisk = dataDir !== undefined && !dataDir.includes('://');
  const fresh = await isNew(dataDir);
  // PGlite creates its directory but not the parents; a fresh checkout has no `.data` yet.
  if (onDisk) await mkdir(dataDir, { recursive: true });
  const cache = fresh ? (templateDir ?? (await defaultTemplateDir())) : undefined;
  const dump = cache === undefined ? undefined : await readTemplate(cache);
  if (dump !== undefined) {
    try {
      return await engine.create(dataDir, { ...options, loadDataDir: dump });
    } catch (error) {
      logger.warn({ err: error, cache }, 'cached fresh database did not load; initialising a new one');
      // The directory was empty before, so whatever is in it now came from the failed load.
      if (onDisk) {
        await rm(dataDir, { recursive: true, force: true });
        await mkdir(dataDir, { recursive: true });
      }
    }
  }
  const pglite = await engine.create(dataDir, options);
  if (cache !== undefined && dump === undefined) {
    try {
      await writeTemplate(cache, pglite);
    } catch (error) {
      logger.debug({ err: error, cache }, 'could not cache the fresh database');
    }
  }
  return pglite;
}

/** What `sharedBuffersMB` defaults to: the pool holds 2,048 pages of 8 KiB. */
export const PGLITE_SHARED_BUFFERS_MB = 16;

export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<Database> {
  const sharedBuffersMB = options.sharedBuffersMB ?? PGLITE_SHARED_BUFFERS_MB;
  if (!Number.isInteger(sharedBuffersMB) || sharedBuffersMB < 1 || sharedBuffersMB > 1024) {
    throw new RangeError(
      `PGlite sharedBuffersMB must be an integer from 1 to 1024, got ${String(sharedBuffersMB)}`,
    );
  }
  const logger: Logger = (options.logger ?? pino({ level: 'silent' })).child({
    component: 'pglite-database',
  });
  let pglite: PGlite;
  try {
    pglite = await openPglite(options.dataDir, options.templateDir, sharedBuffersMB, logger);
  } catch (error) {
    throw new DatabaseError(
      'DB_CONNECTION_FAILED',
      `cannot open PGlite database ${options.dataDir === undefined ? 'in memory' : `at ${options.dataDir}`}`,
      { cause: error },
    );
  }
  logger.debug({ dataDir: options.dataDir ?? 'memory' }, 'PGlite database open');
  let closed = false;
  const turns = new Turns();

  function assertOpen(): void {
    if (closed) throw new DatabaseError('DB_CLOSED', 'database is closed');
  }

  async function transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    assertOpen();
    let bodyDone = false;
    try {
      // PGlite runs one transaction at a time (later callers wait), which is what a single connection needs.
      return await pglite.transaction(async (raw) => {
        let open = true;
        const tx: SqlExecutor = {
          query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
            if (!open) {
              return Promise.reject(new DatabaseError('DB_CLOSED', 'the transaction has already ended'));
            }
            return tracedQuery(sql, () => run<R>(raw, sql, params));
          },
        };
        try {
          const result = await fn(tx);
          bodyDone = true;
          return result;
        } finally {
          open = false;
        }
      });
    } catch (error) {
      // Errors from `fn` pass through unchanged; only what COMMIT raised comes from the driver.
      if (!bodyDone) throw error;
      throw toDatabaseError(error, 'commit failed');
    }
  }

  return {
    kind: 'pglite',

    async query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
      assertOpen();
      // Queued behind any running transaction, so statements never interleave with one.
      return tracedQuery(sql, () => turns.run(() => run<R>(pglite, sql, params)));
    },

    async queryAhead<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
      assertOpen();
      return tracedQuery(sql, () => turns.run(() => run<R>(pglite, sql, params), true));
    },

    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return tracedTransaction(undefined, () => turns.run(() => transaction(fn)));
    },

    async listen(channel: string, onNotify: (payload: string) => void) {
      assertSqlName('channel', channel);
      assertOpen();
      const callback = (payload: string) => {
        try {
          onNotify(payload);
        } catch (error) {
          logger.error({ err: error, channel }, 'notification callback threw');
        }
      };
      let unlisten: () => Promise<void>;
      try {
        unlisten = await pglite.listen(channel, callback);
      } catch (error) {
        throw toDatabaseError(error, `cannot LISTEN on ${channel}`);
      }
      let active = true;
      return async () => {
        if (!active || closed) return;
        active = false;
        await unlisten();
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await pglite.close();
    },
  };
}
