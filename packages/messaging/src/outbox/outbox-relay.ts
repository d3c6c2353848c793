// Moves committed outbox rows to the broker: woken by NOTIFY, polling as a fallback, in order per aggregate.

import { type Database, errorSummary, rootCauseOf, type SqlExecutor } from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { type Logger, pino } from 'pino';
import { type BatchOutcome, publishBatch } from './outbox-batch.ts';
import { OutboxError } from './outbox-error.ts';
import { OUTBOX_CHANNEL } from './outbox-migrations.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';
import {
  aggregateOf,
  claimBatch,
  claimPreparedBatch,
  hasPendingUpTo,
  highestPendingId,
  markFailed,
  markPublished,
  nextRetryInMs,
  type OutboxRow,
  oldestPendingAgeMs,
  pendingCount,
  purgePublished,
} from './outbox-store.ts';
import { PreparedStatements } from './prepared-statements.ts';

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
  /**
   * Rounds publishing at the same time, default 4: a round claims, publishes and marks a batch; while one
   * waits for the broker the next claims what was committed since. On PostgreSQL each holds a connection.
   */
  maxRoundsInFlight?: number;
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
  /** Rows not published yet. */
  pendingCount(): Promise<number>;
  readonly running: boolean;
}

interface FlushWaiter {
  upToId: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** While someone waits in `flushed()`, rows another relay publishes send no signal: look again this often. */
const flushRecheckMs = 50;
/**
 * Rounds start at most this often while rows keep coming: what is committed meanwhile goes together in the
 * next round, which keeps statements per row low (on PGlite they share the one connection with the service's
 * requests: at about 500 requests/s a round every few milliseconds carried 4 to 5 rows, and the claims and
 * marks of those rounds made a service spend about a quarter more CPU per request). A round in flight this long
 * lets the next one start beside it, so rows committed meanwhile do not wait for a slow acknowledgement; a
 * round that claimed a full batch (a backlog) is followed at once.
 */
const roundIntervalMs = 25;
/**
 * After publishing, the relay looks for new rows this often for `hotForMs`: writers that find due rows ahead
 * of theirs do not notify (see the outbox migrations), and one may commit just after the relay's last claim.
 */
const hotPollMs = 50;
const hotForMs = 1_000;
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
 * Rounds overlap: while one round waits for the broker, the next claims the rows committed since (up to
 * `maxRoundsInFlight`), so a slow acknowledgement never holds back rows behind it; an aggregate with a row
 * in flight waits for that round, which keeps its order.
 *
 * On PostgreSQL each round is one transaction that claims rows with FOR UPDATE SKIP LOCKED, publishes them and
 * marks them, so rounds and instances share the work and a crashed instance's claims are released at once.
 * On PGlite, where a transaction would hold the only connection through the publish, rows are claimed and
 * marked in separate statements (rows of rounds in flight are left out of claims), and only one relay may
 * run per database.
 *
 * Published rows stay in the table (status `published`, `published_at`) for `retentionMs`, for inspection and
 * replay, and are then deleted in batches every `purgeIntervalMs`.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher } = options;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'outbox-relay' });
  const pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs, 1_000);
  const batchSize = Math.floor(positive('batchSize', options.batchSize, 100));
  const maxRoundsInFlight = Math.floor(positive('maxRoundsInFlight', options.maxRoundsInFlight, 4));
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
  /** Rounds publishing now; each wakes the loop when it ends (rows behind its own may be claimable). */
  const rounds = new Set<Promise<void>>();
  /**
   * Rows claimed by rounds in flight and their aggregates, on PGlite (on PostgreSQL locks keep other rounds
   * off): a claim leaves those aggregates out.
   */
  const inFlight = new Map<string, string>();
  /**
   * Outcomes of rounds that published but could not record it (the database failed: disk full, connection
   * lost). They are recorded again, with a growing pause, before any new round starts: claiming the same
   * rows again would publish them again on every try, as fast as the database fails.
   */
  const unrecorded: { outcome: BatchOutcome; rowIds: string[] }[] = [];
  let newestRoundStartedAt = 0;
  let lastPublishedAt = 0;
  /** When the earliest row in backoff is due (undefined: none known), and when to ask the database again. */
  let retryAt: number | undefined;
  let retryCheckAt = 0;
  /**
   * The relay's statements run ahead of the requests waiting for PGlite's one connection: a claim (or a purge
   * the loop waits for) queued behind them all would hold every event committed meanwhile back by as long
   * as the queue is.
   */
  const ahead: SqlExecutor = { query: (sql, params) => db.queryAhead(sql, params) };
  /** On PGlite's single session the hot statements are planned once; a pool's sessions vary. */
  const prepared = db.kind === 'pglite' ? new PreparedStatements(ahead) : undefined;

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

  async function record(ex: SqlExecutor, { published, failed }: BatchOutcome): Promise<void> {
    await markPublished(ex, published, prepared);
    if (published.length > 0) lastPublishedAt = Date.now();
    const failures = failed.map(({ row, error }) => ({
      id: row.id,
      error,
      retryInMs: backoffMs(row.attempts + 1),
    }));
    await markFailed(ex, failures);
    if (failures.length > 0) retryCheckAt = 0;
    for (const [index, { row, error }] of failed.entries()) {
      logger.warn(
        {
          outboxId: row.id,
          aggregateId: row.aggregateId,
          topic: row.topic,
          attempts: row.attempts + 1,
          retryInMs: failures[index]!.retryInMs,
          error,
        },
        'publishing an outbox row failed; retrying later',
      );
    }
  }

  /** Publishes and records a claimed batch; what was published is left in `round.outcome`. */
  async function deliver(
    ex: SqlExecutor,
    rows: OutboxRow[],
    round: { outcome?: BatchOutcome; rowIds: string[] },
  ): Promise<void> {
    round.rowIds = rows.map((row) => row.id);
    round.outcome = await publishBatch(publisher, rows, publishTimeoutMs);
    await record(ex, round.outcome);
  }

  /** Records the outcomes rounds could not, oldest first; throws (keeping the rest) when the database fails. */
  async function recordUnrecorded(): Promise<void> {
    while (unrecorded.length > 0) {
      await record(ahead, unrecorded[0]!.outcome);
      const { outcome, rowIds } = unrecorded.shift()!;
      const { published, failed } = outcome;
      for (const id of rowIds) inFlight.delete(id);
      logger.info(
        { published: published.length, failed: failed.length },
        'recorded an outbox round that could not be recorded before; relaying again',
      );
    }
  }

  /**
   * Starts a round; resolves with the number of rows it claimed as soon as they are claimed, while the round
   * goes on publishing them (tracked in `rounds`). Rejects when the claim fails.
   */
  function startRound(): Promise<number> {
    return new Promise<number>((claimed, claimFailed) => {
      let claimedRows = false;
      const round: { outcome?: BatchOutcome; rowIds: string[] } = { rowIds: [] };
      const work =
        db.kind === 'postgres'
          ? db.transaction(async (tx) => {
              const rows = await claimBatch(tx, batchSize, true);
              claimedRows = rows.length > 0;
              claimed(rows.length);
              if (claimedRows) await deliver(tx, rows, round);
            })
          : (async () => {
              const rows = await claimPreparedBatch(
                prepared!,
                batchSize * maxRoundsInFlight,
                batchSize,
                inFlight,
              );
              claimedRows = rows.length > 0;
              // Before anything else runs: the next claim must leave these rows out.
              for (const row of rows) inFlight.set(row.id, aggregateOf(row));
              claimed(rows.length);
              let recorded = false;
              try {
                if (claimedRows) await deliver(ahead, rows, round);
                recorded = true;
              } finally {
                // Rows published but not recorded stay out of claims until `recordUnrecorded` records them.
                if (recorded || round.outcome === undefined) for (const row of rows) inFlight.delete(row.id);
              }
            })();
      const tracked: Promise<void> = work.then(
        () => {
          rounds.delete(tracked);
          if (claimedRows) requestWake();
        },
        (error: unknown) => {
          rounds.delete(tracked);
          claimFailed(error);
          if (round.outcome !== undefined) {
            // Published, not recorded: the loop records it before claiming anything (see `unrecorded`).
            unrecorded.push({ outcome: round.outcome, rowIds: round.rowIds });
            logger.error(
              { error: errorSummary(error), published: round.outcome.published.length },
              `${rootCauseOf(error)}: recording a published outbox round failed; recording it again before the next round`,
            );
            requestWake();
          } else if (claimedRows) {
            // The rows stay pending and may have reached the broker: a later round publishes them (again).
            logger.error(
              { error: errorSummary(error) },
              `${rootCauseOf(error)}: an outbox round failed; its rows will be published again`,
            );
            requestWake();
          }
        },
      );
      rounds.add(tracked);
    });
  }

  async function settleWaiters(): Promise<void> {
    for (const waiter of [...waiters]) {
      if (!(await hasPendingUpTo(ahead, waiter.upToId))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  async function purgeIfDue(): Promise<void> {
    if (Date.now() < nextPurgeAt) return;
    nextPurgeAt = Date.now() + purgeIntervalMs;
    const deleted = await purgePublished(ahead, retentionMs, 1_000);
    if (deleted > 0) logger.debug({ deleted }, 'deleted published outbox rows past retention');
  }

  async function loop(): Promise<void> {
    // A failing round (database or broker down) is tried again after a jittered, growing pause of at most
    // 2 s, so the relay resumes soon after the outage without writing a line every poll meanwhile.
    const failureBackoff = new ExponentialBackoff({
      initialDelay: Math.min(pollIntervalMs, 200),
      maxDelay: Math.max(pollIntervalMs, 2_000),
    });
    let failures: IBackoff<unknown> | undefined;
    let recording = false;
    /** Rows the latest round claimed. */
    let lastClaimed = 0;
    while (!stopping) {
      let delay = pollIntervalMs;
      try {
        if (unlisten === undefined && Date.now() - lastListenAttempt >= pollIntervalMs) await subscribe();
        wakeRequested = false;
        const busyFor = Date.now() - newestRoundStartedAt;
        if (unrecorded.length > 0) {
          recording = true;
          await recordUnrecorded();
          recording = false;
          failures = undefined;
          continue;
        }
        if (rounds.size >= maxRoundsInFlight) {
          // Every round is busy: the first to finish wakes the loop.
        } else if (
          busyFor < roundIntervalMs &&
          (rounds.size > 0 || (lastClaimed > 0 && lastClaimed < batchSize))
        ) {
          // The latest round took what was committed before it; what came since rides in the next round,
          // which starts `roundIntervalMs` after it (or when it ends, after a full batch).
          delay = roundIntervalMs - busyFor;
        } else {
          newestRoundStartedAt = Date.now();
          const claimed = await startRound();
          lastClaimed = claimed;
          failures = undefined;
          if (waiters.length > 0) await settleWaiters();
          await purgeIfDue();
          if (claimed > 0) continue;
          if (Date.now() >= retryCheckAt) {
            // Rows in backoff: those this relay failed (it checks again at once) or another instance did.
            retryCheckAt = Date.now() + pollIntervalMs;
            const retryIn = await nextRetryInMs(ahead, prepared);
            if (retryIn !== undefined) retryAt = Date.now() + retryIn;
          }
          if (retryAt !== undefined) {
            if (retryAt <= Date.now()) retryAt = undefined;
            else delay = Math.min(delay, retryAt - Date.now());
          }
          delay = Math.min(delay, Math.max(0, nextPurgeAt - Date.now()));
          if (Date.now() - lastPublishedAt < hotForMs) delay = Math.min(delay, hotPollMs);
        }
        if (waiters.length > 0) delay = Math.min(delay, flushRecheckMs);
      } catch (error) {
        failures = (failures ?? failureBackoff).next(undefined);
        delay = Math.round(failures.duration);
        logger.warn(
          { error: errorSummary(error), retryInMs: delay },
          recording
            ? `${rootCauseOf(error)}: recording published outbox rows failed; trying again in ${delay} ms (they are not published again meanwhile)`
            : `${rootCauseOf(error)}: outbox relay round failed; trying again in ${delay} ms`,
        );
        recording = false;
      }
      await pause(delay);
    }
    await Promise.all(rounds);
    // One last try: what stays unrecorded is published again after the next start (at least once).
    await recordUnrecorded().catch((error: unknown) => {
      logger.warn(
        { error: errorSummary(error), rounds: unrecorded.length },
        `${rootCauseOf(error)}: stopping with published outbox rows not recorded; they will be published again`,
      );
    });
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
    logger.info({ schema, pollIntervalMs, batchSize, maxRoundsInFlight }, 'outbox relay started');
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
      await prepared?.close();
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

    pendingCount() {
      return pendingCount(db);
    },
    oldestUnpublishedAgeMs() {
      return oldestPendingAgeMs(db);
    },
  };
}
