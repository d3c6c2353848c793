// One scheduler flushes every dirty segment file, so the cost does not grow with the number of partitions.
// Policies (what an acknowledged acks=-1 produce survives):
// - interval: fdatasync every `intervalMs`; acks=-1 waits for the flush covering its batch: survives a
//   killed process and a power cut. acks=1 is answered before the flush: survives a killed process.
// - every-append: fdatasync before any append is acknowledged (appends in one tick share a sync).
// - os: never fsync explicitly; the kernel writes back on its own: survives a killed process only.
import { fdatasync } from 'node:fs';
import type { Logger } from 'pino';

export type FlushPolicy =
  | { mode: 'interval'; intervalMs: number }
  | { mode: 'every-append' }
  | { mode: 'os' };

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class FlushScheduler {
  readonly policy: FlushPolicy;
  readonly #logger: Logger;
  #dirty = new Set<number>();
  #waiting: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  #scheduled = false;
  #closed = false;

  constructor(policy: FlushPolicy, logger: Logger) {
    this.policy = policy;
    this.#logger = logger;
    if (policy.mode === 'interval') {
      this.#timer = setInterval(() => this.#flush(), policy.intervalMs);
      this.#timer.unref();
    }
  }

  /** Records that `fd` has unflushed data; the promise resolves once it is durable under the policy. */
  written(fd: number): Promise<void> {
    if (this.policy.mode === 'os') return Promise.resolve();
    this.#dirty.add(fd);
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    if (this.policy.mode === 'every-append' && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
    return done;
  }

  /** Forgets a file that is about to be closed, after flushing it. */
  async release(fd: number): Promise<void> {
    if (this.#dirty.delete(fd)) await syncFd(fd);
  }

  #flush(): void {
    if (this.#flushing || this.#waiting.length === 0) {
      if (!this.#flushing && this.#dirty.size > 0) this.#syncOnly();
      return;
    }
    this.#flushing = true;
    const fds = [...this.#dirty];
    const waiting = this.#waiting;
    this.#dirty = new Set();
    this.#waiting = [];
    Promise.all(fds.map(syncFd))
      .then(
        () => {
          for (const w of waiting) w.resolve();
        },
        (err: Error) => {
          this.#logger.error({ err }, 'fdatasync failed');
          for (const w of waiting) w.reject(err);
        },
      )
      .finally(() => {
        this.#flushing = false;
        if (this.#closed) return;
        if (this.policy.mode === 'every-append' && this.#waiting.length > 0) this.#flush();
      });
  }

  #syncOnly(): void {
    const fds = [...this.#dirty];
    this.#dirty = new Set();
    for (const fd of fds) syncFd(fd).catch((err: Error) => this.#logger.error({ err }, 'fdatasync failed'));
  }

  /** Flushes everything outstanding and stops the timer. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const fds = [...this.#dirty];
    const waiting = this.#waiting;
    this.#dirty = new Set();
    this.#waiting = [];
    await Promise.all(fds.map(syncFd));
    for (const w of waiting) w.resolve();
  }
}

function syncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fdatasync(fd, (err) => (err && err.code !== 'EBADF' ? reject(err) : resolve())),
  );
}
