// One scheduler flushes every dirty segment file, so the cost does not grow with the number of partitions.
// Policies (what an acknowledged acks=-1 produce survives):
// - interval: dirty files are fdatasynced every `intervalMs`; an acks=-1 produce asks for a flush at once
//   (group commit: every waiter that arrives while a flush runs shares the next one) and is answered after
//   it: survives a killed process and a power cut. acks=1 is answered before any flush: survives a killed
//   process, and reaches the disk within `intervalMs`.
// - every-append: every append is flushed at once (appends in one tick share a sync), whatever its acks.
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

  /** Records that `fd` has unflushed data. */
  written(fd: number): void {
    if (this.policy.mode === 'os') return;
    this.#dirty.add(fd);
    if (this.policy.mode === 'every-append') this.#flushSoon();
  }

  /** Resolves once everything written so far is durable under the policy (what acks=-1 waits for). */
  durable(): Promise<void> {
    if (this.policy.mode === 'os') return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#flushSoon();
    return done;
  }

  #flushSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  /** Forgets a file that is about to be closed, after flushing it. */
  async release(fd: number): Promise<void> {
    if (this.#dirty.delete(fd)) await syncFd(fd);
  }

  // One flush at a time: a waiter that arrives during a flush is served by the next one, so it never
  // counts on a sync that started before its data was written.
  #flush(): void {
    if (this.#flushing || (this.#waiting.length === 0 && this.#dirty.size === 0)) return;
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
        if (this.#waiting.length > 0 || (this.policy.mode === 'every-append' && this.#dirty.size > 0))
          this.#flush();
      });
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
