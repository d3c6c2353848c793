// The SQL behind the relay: claiming the next rows in per-aggregate order, recording outcomes, statistics.
import type { SqlExecutor } from '@tributary/database';
import { assertOutboxTransition } from './outbox-status.ts';
import { idsLiteral, integerLiteral, type PreparedStatements } from './prepared-statements.ts';

export interface OutboxRow {
  id: string;
  aggregateType: string;
  aggregateId: string;
  topic: string;
  key: string;
  eventType: string;
  payload: string;
  headers: Record<string, string>;
  /** Failed publish attempts so far. */
  attempts: number;
}

const columns = `o.id::text AS id, o.aggregate_type AS "aggregateType", o.aggregate_id AS "aggregateId",
  o.topic, o.key, o.event_type AS "eventType", o.payload, o.headers, o.attempts`;

/** True when the aggregate of `o` has an earlier row still pending: `o` must wait for it. */
const hasEarlierPending = `EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending'
  AND e.aggregate_type = o.aggregate_type AND e.aggregate_id = o.aggregate_id AND e.id < o.id)`;

/**
 * The oldest pending row of each aggregate, in one pass over the pending index. Used where rows are not
 * locked (PGlite): it plans well without statistics, which PGlite never gathers (no autovacuum), while the
 * anti-join of `hasEarlierPending` then compares every pending row with every other one.
 */
const pendingHeads = `SELECT DISTINCT ON (aggregate_type, aggregate_id) * FROM outbox
  WHERE status = 'pending' ORDER BY aggregate_type, aggregate_id, id`;

/** The claim statement; `limit` is `$1` or a constant, `$2` holds the ids to leave out when `exclude`. */
function claimSql(lock: boolean, limit: string, exclude: boolean): string {
  const heads = lock
    ? // FOR UPDATE cannot lock the rows of a DISTINCT: PostgreSQL, which keeps statistics, takes this form.
      `SELECT o.* FROM outbox o
       WHERE o.status = 'pending' AND o.next_attempt_at <= clock_timestamp() AND NOT ${hasEarlierPending}
         ${exclude ? 'AND NOT (o.id = ANY($2::bigint[]))' : ''}
       ORDER BY o.id LIMIT ${limit} FOR UPDATE OF o SKIP LOCKED`
    : `SELECT o.* FROM (${pendingHeads}) o
       WHERE o.next_attempt_at <= clock_timestamp() ${exclude ? 'AND NOT (o.id = ANY($2::bigint[]))' : ''}
       ORDER BY o.id LIMIT ${limit}`;
  return `WITH heads AS (${heads}), followers AS (
       SELECT o.* FROM outbox o
       WHERE o.status = 'pending' AND NOT (o.id IN (SELECT id FROM heads))
         AND (o.aggregate_type, o.aggregate_id) IN (SELECT aggregate_type, aggregate_id FROM heads)
       ORDER BY o.id LIMIT greatest(0, ${limit} - (SELECT count(*) FROM heads))
     )
     SELECT ${columns} FROM (SELECT * FROM heads UNION ALL SELECT * FROM followers) o ORDER BY o.id`;
}

/**
 * Claims up to `limit` rows in one statement: due rows that are the oldest pending row of their aggregate
 * (the heads), then the pending rows that follow them in their aggregates, all in id order. With `lock`,
 * the heads stay locked (SKIP LOCKED: heads another relay or round holds are passed over) until the caller's
 * transaction ends. The lock on an aggregate's oldest pending row is what keeps everyone else off the
 * aggregate: for them its later rows are not the oldest pending one, so followers need no lock of their own.
 * Rows in `exclude` (claimed by a round still in flight where there are no locks) are not heads either.
 */
export async function claimBatch(
  ex: SqlExecutor,
  limit: number,
  lock: boolean,
  exclude: readonly string[] = [],
): Promise<OutboxRow[]> {
  const withExclude = exclude.length > 0;
  const result = await ex.query<OutboxRow>(
    claimSql(lock, '$1', withExclude),
    withExclude ? [limit, exclude] : [limit],
  );
  return result.rows;
}

/**
 * `claimBatch` without locks as a statement prepared once (PGlite), for a fixed `limit`. Rows of aggregates
 * with a row in `inFlight` are left out here, in the process, since a parameter would have the statement
 * planned again at each execution; `limit` must leave room for them.
 */
export async function claimPreparedBatch(
  prepared: PreparedStatements,
  limit: number,
  batchSize: number,
  inFlight: ReadonlyMap<string, string>,
): Promise<OutboxRow[]> {
  const literal = integerLiteral(limit);
  const { rows } = await prepared.run<OutboxRow>(`claim_${literal}`, claimSql(false, literal, false), [], []);
  if (inFlight.size === 0) return rows.slice(0, batchSize);
  const busy = new Set(inFlight.values());
  return rows.filter((row) => !busy.has(aggregateOf(row))).slice(0, batchSize);
}

/** The key of a row's aggregate. */
export function aggregateOf(row: OutboxRow): string {
  return `${row.aggregateType}\u0000${row.aggregateId}`;
}

const markPublishedSql = `UPDATE outbox SET status = 'published', published_at = clock_timestamp()
  WHERE id = ANY($1::bigint[]) AND status = 'pending'`;

export async function markPublished(
  ex: SqlExecutor,
  ids: readonly string[],
  prepared?: PreparedStatements,
): Promise<void> {
  if (ids.length === 0) return;
  assertOutboxTransition('pending', 'published');
  if (prepared === undefined) await ex.query(markPublishedSql, [ids]);
  else await prepared.run('mark_published', markPublishedSql, ['bigint[]'], [idsLiteral(ids)]);
}

export interface FailedAttempt {
  id: string;
  error: string;
  retryInMs: number;
}

/** Records failed attempts in one statement; each row stays pending and is due again after its `retryInMs`. */
export async function markFailed(ex: SqlExecutor, failures: readonly FailedAttempt[]): Promise<void> {
  if (failures.length === 0) return;
  await ex.query(
    `UPDATE outbox SET attempts = outbox.attempts + 1, last_error = f.error,
       next_attempt_at = clock_timestamp() + (f.retry_ms * interval '1 millisecond')
     FROM unnest($1::bigint[], $2::text[], $3::double precision[]) AS f(id, error, retry_ms)
     WHERE outbox.id = f.id AND outbox.status = 'pending'`,
    [failures.map((f) => f.id), failures.map((f) => f.error), failures.map((f) => f.retryInMs)],
  );
}

const nextRetrySql = `SELECT (extract(epoch FROM min(o.next_attempt_at) - clock_timestamp()) * 1000)::float8 AS ms
  FROM outbox o
  WHERE o.status = 'pending' AND o.next_attempt_at > clock_timestamp() AND NOT ${hasEarlierPending}`;
/** The same question in the form that plans well without statistics (see `pendingHeads`). */
const nextRetryPreparedSql = `SELECT (extract(epoch FROM min(o.next_attempt_at) - clock_timestamp()) * 1000)::float8
  AS ms FROM (${pendingHeads}) o WHERE o.next_attempt_at > clock_timestamp()`;

/** Milliseconds until the earliest head row in backoff is due; undefined when none waits. */
export async function nextRetryInMs(
  ex: SqlExecutor,
  prepared?: PreparedStatements,
): Promise<number | undefined> {
  const result =
    prepared === undefined
      ? await ex.query<{ ms: number | null }>(nextRetrySql)
      : await prepared.run<{ ms: number | null }>('next_retry', nextRetryPreparedSql, [], []);
  const ms = result.rows[0]?.ms;
  return ms === null || ms === undefined ? undefined : Math.max(0, ms);
}

/** Highest id among the rows pending now (committed and visible); undefined when nothing is pending. */
export async function highestPendingId(ex: SqlExecutor): Promise<string | undefined> {
  const result = await ex.query<{ id: string | null }>(
    "SELECT max(id)::text AS id FROM outbox WHERE status = 'pending'",
  );
  return result.rows[0]?.id ?? undefined;
}

export async function hasPendingUpTo(ex: SqlExecutor, id: string): Promise<boolean> {
  const result = await ex.query(
    "SELECT 1 FROM outbox WHERE status = 'pending' AND id <= $1::bigint LIMIT 1",
    [id],
  );
  return result.rowCount > 0;
}

export async function pendingCount(ex: SqlExecutor): Promise<number> {
  const result = await ex.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'",
  );
  return result.rows[0]?.n ?? 0;
}

export async function oldestPendingAgeMs(ex: SqlExecutor): Promise<number> {
  const result = await ex.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM clock_timestamp() - min(created_at)) * 1000)::float8 AS ms
     FROM outbox WHERE status = 'pending'`,
  );
  const ms = result.rows[0]?.ms;
  return ms === null || ms === undefined ? 0 : Math.max(0, ms);
}

/** Deletes published rows older than `retentionMs`, `batchSize` at a time; returns how many went. */
export async function purgePublished(
  ex: SqlExecutor,
  retentionMs: number,
  batchSize: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await ex.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE status = 'published'
           AND published_at <= clock_timestamp() - ($1::double precision * interval '1 millisecond')
         LIMIT $2)`,
      [retentionMs, batchSize],
    );
    total += deleted.rowCount;
    if (deleted.rowCount < batchSize) return total;
  }
}
