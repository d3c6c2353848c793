// One scheduler flushes every partition with unsynced data, so the cost does not grow with the number of
// partitions, and every acks=-1 produce that arrives while a flush runs shares the next one (group commit
// across partitions and connections).
//
// Policies (what an acknowledged produce survives, and what consumers may read):
// - interval: dirty partitions are synced every `intervalMs`; an acks=-1 produce asks for a flush at once
//   and is answered after it: it survives a killed process and a power cut. acks=1 is answered before any
//   flush: it survives a killed process and reaches the disk within `intervalMs`. The high watermark is
//   the synced end of the log: consumers never read what a power cut could take back.
// - every-append: every append is synced at once (appends in one tick share a sync), whatever its acks;
//   the high watermark is the synced end, as above.
// - os: never sync explicitly; the kernel writes back on its own. Everything survives a killed process,
//   nothing is promised across a power cut, and the high watermark is the end of the log.
import type { Logger } from 'pino';

export type FlushPolicy =
  | { mode: 'interval'; intervalMs: number }
  | { mode: 'every-append' }
  | { mode: 'os' };

/** What the scheduler flushes: a partition log syncs its dirty segments and moves its high watermark. */
export interface Flushable {
  flush(): Promise<void>;
}

/** What the broker's metrics learn of each partition sync (called only when metrics are on). */
export interface FsyncObserver {
  /** One segment's fdatasync (with its directory's sync when the segment is new) succeeded. */
  synced(seconds: number): void;
  /** A sync failed: the partition went offline. */
  failed(): void;
}

export interface FlushSchedulerOptions {
  /** Run the interval timer (default true); a simulation turns it off and calls `flushNow` itself. */
  timer?: boolean;
}

export class FlushScheduler {
  readonly policy: FlushPolicy;
  readonly #logger: Logger;
  #dirty = new Set<Flushable>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | null = null;
  #again = false;
  #scheduled = false;
  #closed = false;
  /** Set when the broker serves metrics; partition logs report each sync to it. */
  observer: FsyncObserver | undefined;

  constructor(policy: FlushPolicy, logger: Logger, options: FlushSchedulerOptions = {}) {
    this.policy = policy;
    this.#logger = logger;
    if (policy.mode === 'interval' && options.timer !== false) {
      this.#timer = setInterval(() => void this.flushNow(), policy.intervalMs);
      this.#timer.unref();
    }
  }

  /** True when appends are synced by this scheduler (every policy but `os`). */
  get syncs(): boolean {
    return this.policy.mode !== 'os';
  }

  /** Records that `log` has unsynced data. */
  dirty(log: Flushable): void {
    if (!this.syncs) return;
    this.#dirty.add(log);
    if (this.policy.mode === 'every-append') this.requestFlush();
  }

  /** Asks for a flush soon: every request made in the same tick shares it. */
  requestFlush(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.flushNow();
    });
  }

  /**
   * Runs a flush round, or, when one is running, the round after it, so that every caller is served by a
   * sync that started after its data was written. Errors stay with the partition that had them.
   */
  flushNow(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = async () => {
      do {
        this.#again = false;
        const logs = [...this.#dirty];
        this.#dirty = new Set();
        if (logs.length > 0) await Promise.all(logs.map((l) => l.flush()));
      } while (this.#again && this.#dirty.size > 0);
    };
    this.#running = run()
      .catch((err: unknown) => this.#logger.error({ err }, 'flush round failed'))
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  /** Flushes everything outstanding and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flushNow();
    if (this.#dirty.size > 0) await this.flushNow();
    this.#closed = true;
  }
}
