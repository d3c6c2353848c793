// Commits what is done: offsets are recorded as records finish (in order per partition) and committed in
// coalesced batches, one commit in flight at a time, so a later offset never races an earlier one.
import { errorSummary, rootCauseOf } from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { CommitOffset, Consumer, TopicPartition } from '../ports/transport.ts';
import { partitionKey } from './partition-scheduler.ts';

/** Pauses before committing again after a failure: exponential with jitter, 200 ms up to 5 s. */
const commitBackoff = new ExponentialBackoff({ initialDelay: 200, maxDelay: 5_000 });

export class OffsetCommitter {
  readonly #consumer: Consumer;
  readonly #logger: Logger;
  readonly #onCommitted: (offsets: CommitOffset[]) => void;
  readonly #pending = new Map<string, CommitOffset>();
  #inflight: Promise<void> | undefined;
  #scheduled = false;
  readonly #clock: Clock;
  /** Cancels the pending retry, which waits on the runner's clock. */
  #retryTimer: AbortController | undefined;
  #backoff: IBackoff<unknown> | undefined;

  constructor(
    consumer: Consumer,
    logger: Logger,
    onCommitted: (offsets: CommitOffset[]) => void,
    clock: Clock,
  ) {
    this.#consumer = consumer;
    this.#clock = clock;
    this.#logger = logger;
    this.#onCommitted = onCommitted;
  }

  /** `offset` is the next one to read. */
  markDone(tp: TopicPartition, offset: bigint): void {
    const key = partitionKey(tp.topic, tp.partition);
    const current = this.#pending.get(key);
    if (!current || current.offset < offset) {
      // Not a spread: `tp` is often the whole record.
      this.#pending.set(key, { topic: tp.topic, partition: tp.partition, offset });
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush().catch(() => {});
      });
    }
  }

  /** Commits everything marked so far; a failed commit keeps its offsets for the next flush. */
  async flush(): Promise<void> {
    while (this.#inflight) await this.#inflight.catch(() => {});
    if (this.#pending.size === 0) return;
    const offsets = [...this.#pending.values()];
    this.#pending.clear();
    this.#inflight = (async () => {
      try {
        await this.#consumer.commit(offsets);
        this.#backoff = undefined;
        this.#onCommitted(offsets);
      } catch (err) {
        for (const o of offsets) {
          const key = partitionKey(o.topic, o.partition);
          const current = this.#pending.get(key);
          if (!current || current.offset < o.offset) this.#pending.set(key, o);
        }
        if (!this.#retryTimer) {
          this.#backoff = (this.#backoff ?? commitBackoff).next(undefined);
          const delayMs = Math.round(this.#backoff.duration);
          this.#logger.warn(
            { error: errorSummary(err), retryInMs: delayMs },
            `${rootCauseOf(err)}: offset commit failed; committing again in ${delayMs} ms`,
          );
          const retry = new AbortController();
          this.#retryTimer = retry;
          this.#clock.sleep(delayMs, retry.signal).then(
            () => {
              this.#retryTimer = undefined;
              this.flush().catch(() => {});
            },
            () => undefined,
          );
        }
        throw err;
      } finally {
        this.#inflight = undefined;
      }
    })();
    await this.#inflight;
  }

  /** Stops retrying failed commits in the background. */
  close(): void {
    this.#retryTimer?.abort();
    this.#retryTimer = undefined;
  }

  /** Drops uncommitted offsets of partitions that went to another member. */
  forget(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#pending.delete(partitionKey(tp.topic, tp.partition));
  }
}
