// Moves committed outbox rows to the broker: woken by NOTIFY, polling as a fallback, in order per aggregate.

import type { Database, SqlExecutor } from '@tributary/database';
import { type Logger, pino } from 'pino';
import { OutboxError } from './outbox-error.ts';
import { OUTBOX_CHANNEL } from './outbox-migrations.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';
import {
  claimFollowers,
  claimHeads,
  hasPendingUpTo,
  highestPendingId,
  markFailed,
  markPublished,
  nextRetryInMs,
  type OutboxRow,
  oldestPendingAgeMs,
  purgePublished,
} from './outbox-store.ts';

export interface OutboxBackoff {
  /** Delay before the first retry, default 500 ms; doubles with each further failure. */
  initialMs?: number;
  /** Longest delay between attempts, default 30 s. Rows are retried for ever: watch `oldestUnpublishedAgeMs`. */
  maxMs?: number;
}

export interface OutboxRelayOptions {
  db: Database;
  publisher: OutboxPublisher;
  logger?: Logger;
  /** Polling interval when no notification arrives, default 1000 ms. */
  pollIntervalMs?: number;
  /** Rows claimed per round, default 100. */
  batchSize?: number;
  backoff?: OutboxBackoff;
  /** A publish taking longer counts as failed (it may still land: a duplicate, which inboxes absorb). 30 s. */
  publishTimeoutMs?: number;
  /** Published rows are kept this long (for inspection), then deleted; default 24 h, 0 deletes at next sweep. */
  retentionMs?: number;
  /** How often published rows past retention are deleted, default 60 s. */
  purgeIntervalMs?: number;
}

export interface OutboxRelay {
  /** Starts listening and relaying; resolves once running. */
  start(): Promise<void>;
  /** Lets the in-flight batch finish (publish and record), then stops; pending `flushed()` calls reject. */
  stop(): Promise<void>;
  /**
   * Resolves once every row committed before the call is published (by this relay or another instance).
   * While a row keeps failing it does not resolve: race it with a timeout where that matters.
   */
  flushed(): Promise<void>;
  /** Age of the oldest unpublished row, 0 when there is none: the number to alert on. */
  oldestUnpublishedAgeMs(): Promise<number>;
  readonly running: boolean;
}

interface FlushWaiter {
  upToId: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** While someone waits in `flushed()`, rows another relay publishes send no signal: look again this often. */
const flushRecheckMs = 50;
const maxErrorLength = 2_000;
/** PGlite is one connection in one process: a second relay on it would publish rows twice. */
const relaysOnPglite = new WeakSet<Database>();

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < 0 || (!allowZero && chosen === 0)) {
    throw new OutboxError(
      'OUTBOX_INVALID_OPTIONS',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`,
    );
  }
  return chosen;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text;
}

/**
 * Creates a relay.
 *
 * Delivery is at least once: a crash (or a publish timeout) between the broker's acknowledgement and the row
 * being marked publishes it again later, so duplicates are expected and consumers drop them with their inbox
 * (keyed by the `ce_id` header).
 *
 * Order: an aggregate's rows go out in commit order (id order within a transaction). Only the oldest pending
 * row of an aggregate can be claimed; the rows after it ride in the same batch, one publish after the other,
 * and a failure stops the aggregate there until its retry is due, while other aggregates keep flowing.
 *
 * On PostgreSQL each round is one transaction that claims rows with FOR UPDATE SKIP LOCKED, publishes them and
 * marks them, so several instances share the work and a crashed instance's claims are released at once. On
 * PGlite, where a transaction would hold the only connection through the publish, rows are claimed and marked
 * in separate statements, and only one relay may run per database.
 *
 * Published rows stay in the table (status `published`, `published_at`) for `retentionMs`, for inspection and
 * replay, and are then deleted in batches every `purgeIntervalMs`.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher } = options;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'outbox-relay' });
  const pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs, 1_000);
  const batchSize = Math.floor(positive('batchSize', options.batchSize, 100));
  const backoffInitialMs = positive('backoff.initialMs', options.backoff?.initialMs, 500);
  const backoffMaxMs = Math.max(backoffInitialMs, positive('backoff.maxMs', options.backoff?.maxMs, 30_000));
  const publishTimeoutMs = positive('publishTimeoutMs', options.publishTimeoutMs, 30_000);
  const retentionMs = positive('retentionMs', options.retentionMs, 86_400_000, true);
  const purgeIntervalMs = positive('purgeIntervalMs', options.purgeIntervalMs, 60_000);

  let running = false;
  let stopping = false;
  let loopDone: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let schema = '';
  let unlisten: (() => Promise<void>) | undefined;
  let lastListenAttempt = 0;
  let wakeRequested = false;
  let wake: (() => void) | undefined;
  let nextPurgeAt = 0;
  const waiters: FlushWaiter[] = [];

  function requestWake(): void {
    wakeRequested = true;
    wake?.();
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
      if (wakeRequested || stopping) done();
    });
  }

  async function subscribe(): Promise<void> {
    lastListenAttempt = Date.now();
    try {
      unlisten = await db.listen(OUTBOX_CHANNEL, (payload) => {
        // Every schema's outbox notifies on one channel per database: wake only for this one.
        if (payload === schema) requestWake();
      });
    } catch (error) {
      logger.warn({ err: error }, 'cannot listen for outbox notifications; polling until it works');
    }
  }

  function backoffMs(failures: number): number {
    return Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.max(0, failures - 1));
  }

  async function publishOne(row: OutboxRow): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new OutboxError('OUTBOX_PUBLISH_TIMEOUT', `publish took longer than ${publishTimeoutMs} ms`),
          ),
        publishTimeoutMs,
      );
    });
    try {
      await Promise.race([
        publisher.publishRaw({
          topic: row.topic,
          key: row.key,
          value: Buffer.from(row.payload, 'utf8'),
          headers: row.headers,
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Publishes each aggregate's rows in order, aggregates side by side; an aggregate stops at its first failure. */
  async function publishAll(rows: OutboxRow[]) {
    const chains = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const aggregate = `${row.aggregateType}\u0000${row.aggregateId}`;
      const chain = chains.get(aggregate);
      if (chain === undefined) chains.set(aggregate, [row]);
      else chain.push(row);
    }
    const published: string[] = [];
    const failed: Array<{ row: OutboxRow; error: string }> = [];
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const row of chain) {
          try {
            await publishOne(row);
            published.push(row.id);
          } catch (error) {
            failed.push({ row, error: describeError(error) });
            return;
          }
        }
      }),
    );
    return { published, failed };
  }

  async function record(
    ex: SqlExecutor,
    published: string[],
    failed: Array<{ row: OutboxRow; error: string }>,
  ) {
    await markPublished(ex, published);
    for (const { row, error } of failed) {
      const retryInMs = backoffMs(row.attempts + 1);
      await markFailed(ex, row.id, error, retryInMs);
      logger.warn(
        {
          outboxId: row.id,
          aggregateId: row.aggregateId,
          topic: row.topic,
          attempts: row.attempts + 1,
          retryInMs,
          error,
        },
        'publishing an outbox row failed; retrying later',
      );
    }
  }

  async function claim(ex: SqlExecutor, lock: boolean): Promise<OutboxRow[]> {
    const heads = await claimHeads(ex, batchSize, lock);
    const followers = await claimFollowers(ex, heads, batchSize - heads.length);
    return [...heads, ...followers];
  }

  /** One round; returns how many rows were published. */
  async function round(): Promise<number> {
    if (db.kind === 'postgres') {
      return db.transaction(async (tx) => {
        const rows = await claim(tx, true);
        if (rows.length === 0) return 0;
        const { published, failed } = await publishAll(rows);
        await record(tx, published, failed);
        return published.length;
      });
    }
    const rows = await claim(db, false);
    if (rows.length === 0) return 0;
    const { published, failed } = await publishAll(rows);
    await record(db, published, failed);
    return published.length;
  }

  async function settleWaiters(): Promise<void> {
    for (const waiter of [...waiters]) {
      if (!(await hasPendingUpTo(db, waiter.upToId))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  async function purgeIfDue(): Promise<void> {
    if (Date.now() < nextPurgeAt) return;
    nextPurgeAt = Date.now() + purgeIntervalMs;
    const deleted = await purgePublished(db, retentionMs, 1_000);
    if (deleted > 0) logger.debug({ deleted }, 'deleted published outbox rows past retention');
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let delay = pollIntervalMs;
      try {
        if (unlisten === undefined && Date.now() - lastListenAttempt >= pollIntervalMs) await subscribe();
        wakeRequested = false;
        const published = await round();
        if (waiters.length > 0) await settleWaiters();
        await purgeIfDue();
        if (published > 0) continue;
        const retryIn = await nextRetryInMs(db);
        if (retryIn !== undefined) delay = Math.min(delay, retryIn);
        if (waiters.length > 0) delay = Math.min(delay, flushRecheckMs);
        delay = Math.min(delay, Math.max(0, nextPurgeAt - Date.now()));
      } catch (error) {
        logger.error({ err: error }, 'outbox relay round failed; trying again after the poll interval');
      }
      await pause(delay);
    }
  }

  async function begin(): Promise<void> {
    if (db.kind === 'pglite') {
      if (relaysOnPglite.has(db)) {
        throw new OutboxError(
          'OUTBOX_RELAY_ALREADY_RUNNING',
          'another relay already runs on this PGlite database',
        );
      }
      relaysOnPglite.add(db);
    }
    try {
      schema = (await db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!.schema;
    } catch (error) {
      relaysOnPglite.delete(db);
      throw error;
    }
    stopping = false;
    wakeRequested = true;
    await subscribe();
    running = true;
    loopDone = loop();
    logger.info({ schema, pollIntervalMs, batchSize }, 'outbox relay started');
  }

  return {
    get running() {
      return running;
    },

    start() {
      if (running || starting !== undefined) {
        return Promise.reject(
          new OutboxError('OUTBOX_RELAY_ALREADY_RUNNING', 'the relay is already running'),
        );
      }
      starting = begin().finally(() => {
        starting = undefined;
      });
      return starting;
    },

    async stop() {
      await starting?.catch(() => undefined);
      if (!running) return;
      stopping = true;
      wake?.();
      await loopDone;
      running = false;
      relaysOnPglite.delete(db);
      await unlisten?.().catch((error: unknown) => logger.warn({ err: error }, 'UNLISTEN failed'));
      unlisten = undefined;
      for (const waiter of waiters.splice(0)) {
        waiter.reject(
          new OutboxError('OUTBOX_RELAY_STOPPED', 'the relay stopped before the outbox was flushed'),
        );
      }
      logger.info('outbox relay stopped');
    },

    async flushed() {
      if (!running || stopping) {
        throw new OutboxError('OUTBOX_RELAY_NOT_RUNNING', 'flushed() needs a running relay');
      }
      const upToId = await highestPendingId(db);
      if (upToId === undefined) return;
      await new Promise<void>((resolve, reject) => {
        waiters.push({ upToId, resolve, reject });
        requestWake();
      });
    },

    oldestUnpublishedAgeMs() {
      return oldestPendingAgeMs(db);
    },
  };
}
