// The SQL behind the relay: claiming the next rows in per-aggregate order, recording outcomes, statistics.
import type { SqlExecutor } from '@tributary/database';
import { assertOutboxTransition } from './outbox-status.ts';

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
 * Claims up to `limit` due rows, each the oldest pending row of its aggregate. With `lock`, the rows stay
 * locked (SKIP LOCKED: rows another relay holds are passed over) until the caller's transaction ends. The
 * lock on an aggregate's oldest pending row is what keeps every other relay off that aggregate: for them
 * its later rows are not the oldest pending one.
 */
export async function claimHeads(ex: SqlExecutor, limit: number, lock: boolean): Promise<OutboxRow[]> {
  const result = await ex.query<OutboxRow>(
    `SELECT ${columns} FROM outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at <= clock_timestamp() AND NOT ${hasEarlierPending}
     ORDER BY o.id LIMIT $1 ${lock ? 'FOR UPDATE OF o SKIP LOCKED' : ''}`,
    [limit],
  );
  return result.rows;
}

/**
 * The pending rows that follow the claimed heads in their aggregates, oldest first: safe to publish in the
 * same batch, right after their head, because no other relay can claim them while the head is held.
 */
export async function claimFollowers(
  ex: SqlExecutor,
  heads: OutboxRow[],
  limit: number,
): Promise<OutboxRow[]> {
  if (heads.length === 0 || limit <= 0) return [];
  const result = await ex.query<OutboxRow>(
    `SELECT ${columns} FROM outbox o
     WHERE o.status = 'pending' AND NOT (o.id = ANY($3::bigint[]))
       AND (o.aggregate_type, o.aggregate_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
     ORDER BY o.id LIMIT $4`,
    [
      heads.map((row) => row.aggregateType),
      heads.map((row) => row.aggregateId),
      heads.map((row) => row.id),
      limit,
    ],
  );
  return result.rows;
}

export async function markPublished(ex: SqlExecutor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  assertOutboxTransition('pending', 'published');
  await ex.query(
    `UPDATE outbox SET status = 'published', published_at = clock_timestamp()
     WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
    [ids],
  );
}

/** Records a failed attempt; the row stays pending and is due again after `retryInMs`. */
export async function markFailed(
  ex: SqlExecutor,
  id: string,
  error: string,
  retryInMs: number,
): Promise<void> {
  await ex.query(
    `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = clock_timestamp() + ($3::double precision * interval '1 millisecond')
     WHERE id = $1::bigint AND status = 'pending'`,
    [id, error, retryInMs],
  );
}

/** Milliseconds until the earliest head row in backoff is due; undefined when none waits. */
export async function nextRetryInMs(ex: SqlExecutor): Promise<number | undefined> {
  const result = await ex.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM min(o.next_attempt_at) - clock_timestamp()) * 1000)::float8 AS ms FROM outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at > clock_timestamp() AND NOT ${hasEarlierPending}`,
  );
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
