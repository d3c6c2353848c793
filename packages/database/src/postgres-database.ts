// The database port on PostgreSQL through a `pg` pool; each service keeps its tables in its own schema.
import { createRequire } from 'node:module';
import type pg from 'pg';
import { type Logger, pino } from 'pino';
import type { Database, PostgresDatabaseOptions, QueryResult, SqlExecutor } from './database.ts';
import { DatabaseError, toDatabaseError } from './database-error.ts';
import { observePool } from './pool-metrics.ts';
import { PostgresListener } from './postgres-listener.ts';
import { errorSummary, rootCauseOf } from './root-cause.ts';
import { assertSqlName } from './sql-name.ts';
import { tracedTransaction } from './tracing.ts';

const require = createRequire(import.meta.url);

/**
 * `pg`, loaded when the first database is made rather than when this module is imported: a process that
 * starts OpenTelemetry first (its pg instrumentation hooks `require`) gets its statements traced.
 */
function loadPg(): typeof pg {
  return require('pg') as typeof pg;
}

/** SQLSTATE 42P06: the schema exists (two processes creating it at once can also hit 23505). */
const duplicateSchema = new Set(['42P06', '23505']);

function toResult<R>(raw: pg.QueryResult | pg.QueryResult[]): QueryResult<R> {
  // Several statements in one simple query give one result each; the last one is the answer.
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (last === undefined) return { rows: [], rowCount: 0 };
  return { rows: last.rows as R[], rowCount: last.rowCount ?? last.rows.length };
}

export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  const schema = options.schema === undefined ? undefined : assertSqlName('schema', options.schema);
  const logger: Logger = (options.logger ?? pino({ level: 'silent' })).child({
    component: 'postgres-database',
    ...(schema === undefined ? {} : { schema }),
  });
  const connection: pg.ClientConfig = {
    connectionString: options.connectionString,
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
  };
  const pool = new (loadPg().Pool)({
    ...connection,
    max: options.max ?? 10,
    // Waiting for a pooled connection (or a server that does not answer) fails instead of hanging for ever.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // A server that vanished without closing the socket (host down, network cut) is noticed.
    keepAlive: true,
    // The schema is the whole search_path: an unqualified name never silently resolves to `public`.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // pg-pool has already dropped the client; the next query opens a new connection. pg hangs the client on
  // the error (`err.client`), so only a summary is logged.
  pool.on('error', (error) =>
    logger.warn(
      { error: errorSummary(error) },
      `${rootCauseOf(error)}: idle PostgreSQL connection lost; the pool opens a new one when needed`,
    ),
  );
  const listener = new PostgresListener(
    {
      ...connection,
      keepAlive: true,
      application_name: `${options.applicationName ?? 'tributary'}:listen`,
    },
    logger,
  );
  const stopObserving = observePool(pool, schema ?? 'public');
  let closed = false;
  let schemaReady: Promise<void> | undefined;

  function ready(): Promise<void> {
    if (closed) return Promise.reject(new DatabaseError('DB_CLOSED', 'database is closed'));
    if (schema === undefined) return Promise.resolve();
    schemaReady ??= pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).then(
      () => undefined,
      (error: unknown) => {
        if (duplicateSchema.has((error as { code?: string }).code ?? '')) return;
        schemaReady = undefined;
        throw toDatabaseError(error, `cannot create schema ${schema}`);
      },
    );
    return schemaReady;
  }

  async function run<R>(client: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) {
    try {
      return toResult<R>(await client.query(sql, params));
    } catch (error) {
      throw toDatabaseError(error, 'query failed');
    }
  }

  async function transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    await ready();
    // While this transaction holds the client the pool listens for nothing on it: an 'error' event (the
    // server terminated the backend or went away) without a listener would end the process. The listener
    // goes on in the pool's callback, in the same turn as the pool takes its own off: the pool hands a client
    // over while it is still reading that client's socket (a query of another caller just ended on it), and
    // a termination notice in the same read would find no listener if this waited for a promise to settle.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    let client: pg.PoolClient;
    try {
      client = await new Promise<pg.PoolClient>((resolve, reject) => {
        pool.connect((error, acquired) => {
          if (error !== undefined && error !== null) reject(error);
          else if (acquired === undefined) reject(new Error('the pool gave no client'));
          else {
            acquired.on('error', onError);
            resolve(acquired);
          }
        });
      });
    } catch (error) {
      throw toDatabaseError(error, 'cannot get a connection');
    }
    const release = (error?: Error) => {
      client.removeListener('error', onError);
      // A client that failed is destroyed instead of returned to the pool.
      client.release(error ?? broken);
    };
    let open = true;
    const tx: SqlExecutor = {
      query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
        if (!open) {
          return Promise.reject(new DatabaseError('DB_CLOSED', 'the transaction has already ended'));
        }
        return run<R>(client, sql, params);
      },
    };
    try {
      await run(client, 'BEGIN');
      const result = await fn(tx);
      const commit = await client.query('COMMIT').catch((error: unknown) => {
        throw toDatabaseError(error, 'commit failed');
      });
      // COMMIT of a transaction an earlier statement aborted answers ROLLBACK instead of failing.
      if (commit.command === 'ROLLBACK') {
        throw new DatabaseError(
          'DB_QUERY_FAILED',
          'transaction rolled back: a statement inside it failed and its error was caught',
        );
      }
      open = false;
      release();
      return result;
    } catch (error) {
      open = false;
      if (broken !== undefined) {
        release();
        // The body may have failed on something else first (or caught the failure): the lost connection
        // is what the caller has to know about, and it is retriable.
        throw error instanceof DatabaseError && error.code === 'DB_CONNECTION_FAILED'
          ? error
          : toDatabaseError(broken, 'connection lost during the transaction');
      }
      try {
        await client.query('ROLLBACK');
        release();
      } catch (rollbackError) {
        release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
      }
      throw error;
    }
  }

  return {
    kind: 'postgres',

    async query<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
      await ready();
      return run<R>(pool, sql, params);
    },

    async queryAhead<R = Record<string, unknown>>(sql: string, params?: unknown[]) {
      await ready();
      return run<R>(pool, sql, params);
    },

    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return tracedTransaction(options.schema, () => transaction(fn));
    },

    async listen(channel: string, onNotify: (payload: string) => void) {
      assertSqlName('channel', channel);
      if (closed) throw new DatabaseError('DB_CLOSED', 'database is closed');
      return listener.subscribe(channel, onNotify);
    },

    async close() {
      if (closed) return;
      closed = true;
      stopObserving();
      await listener.close();
      await pool.end();
    },
  };
}
