// Exactly-once effects over at-least-once delivery: a message's effects commit together with its inbox row.
import type { Database, SqlExecutor } from '@tributary/database';
import { instruments } from '../telemetry/instruments.ts';
import { Attr } from '../telemetry/tracing.ts';

export class InboxError extends Error {
  readonly code = 'INBOX_INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'InboxError';
  }
}

export interface InboxMessageRef {
  /** Consumer group handling the message: each group sees every message once. */
  group: string;
  /** The message's unique id (`ce_id` of the envelope). */
  messageId: string;
}

export type HandleOnceResult<T> = { duplicate: false; result: T } | { duplicate: true };

function assertText(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new InboxError(`${name} must be a non-empty string`);
}

/**
 * Runs `effects` and records `messageId` as processed by `group` in one transaction. A message already
 * recorded is skipped: `effects` does not run and `{ duplicate: true }` comes back. When `effects` throws,
 * its writes and the inbox row roll back together and the error propagates, so a redelivery runs it again.
 * The row is inserted first: a concurrent delivery of the same message on PostgreSQL waits on it and then
 * sees a duplicate (or runs, if the first one rolled back).
 */
async function handleOnce<T>(
  db: Database,
  message: InboxMessageRef,
  effects: (tx: SqlExecutor) => Promise<T>,
): Promise<HandleOnceResult<T>> {
  assertText('group', message.group);
  assertText('messageId', message.messageId);
  return db.transaction(async (tx): Promise<HandleOnceResult<T>> => {
    const inserted = await tx.query(
      `INSERT INTO processed_messages (consumer_group, message_id) VALUES ($1, $2)
       ON CONFLICT (consumer_group, message_id) DO NOTHING`,
      [message.group, message.messageId],
    );
    if (inserted.rowCount === 0) {
      instruments().inboxDuplicates.add(1, { [Attr.group]: message.group });
      return { duplicate: true };
    }
    return { duplicate: false, result: await effects(tx) };
  });
}

/** True when `group` has already processed `messageId`. */
async function isProcessed(db: Database, message: InboxMessageRef): Promise<boolean> {
  assertText('group', message.group);
  assertText('messageId', message.messageId);
  const found = await db.query(
    'SELECT 1 FROM processed_messages WHERE consumer_group = $1 AND message_id = $2',
    [message.group, message.messageId],
  );
  return found.rowCount > 0;
}

/**
 * Deletes inbox rows processed before `cutoff`, in batches so no statement holds locks for long; returns how
 * many went. Keep rows longer than a message can be redelivered (retry topic delays, consumer lag), or an old
 * duplicate would run its effects again.
 */
async function purgeOlderThan(
  db: Database,
  cutoff: Date,
  options: { batchSize?: number } = {},
): Promise<number> {
  if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime()))
    throw new InboxError('cutoff must be a valid Date');
  const batchSize = options.batchSize ?? 5_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new InboxError('batchSize must be a positive integer');
  let total = 0;
  for (;;) {
    const deleted = await db.query(
      `DELETE FROM processed_messages WHERE (consumer_group, message_id) IN (
         SELECT consumer_group, message_id FROM processed_messages WHERE processed_at < $1 LIMIT $2)`,
      [cutoff.toISOString(), batchSize],
    );
    total += deleted.rowCount;
    if (deleted.rowCount < batchSize) return total;
  }
}

export const inbox = { handleOnce, isProcessed, purgeOlderThan } as const;
