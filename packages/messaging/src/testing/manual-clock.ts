// A clock that only moves when a test says so; sleepers wake when `advance` passes their deadline.
import type { Clock } from '../clock.ts';

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #watchers: Array<() => void> = [];

  constructor(start = Date.parse('2025-01-01T00:00:00.000Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
      for (const watcher of [...this.#watchers]) watcher();
    });
  }

  /** Moves time forward and wakes every sleeper whose deadline has come, earliest first. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('time only moves forward');
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const sleeper of due) sleeper.resolve();
  }

  /** Deadlines of the current sleepers, earliest first. */
  pendingDeadlines(): number[] {
    return this.#sleepers.map((s) => s.at).sort((a, b) => a - b);
  }

  /** Resolves once some sleeper waits for exactly `deadline` (or, without one, once anyone sleeps). */
  whenSleeping(deadline?: number, timeoutMs = 10_000): Promise<void> {
    const met = () =>
      deadline === undefined ? this.#sleepers.length > 0 : this.#sleepers.some((s) => s.at === deadline);
    if (met()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watch);
        reject(new Error(`nobody slept until ${deadline ?? 'any time'} within ${timeoutMs} ms`));
      }, timeoutMs);
      const watch = () => {
        if (!met()) return;
        clearTimeout(timer);
        this.#watchers = this.#watchers.filter((w) => w !== watch);
        resolve();
      };
      this.#watchers.push(watch);
    });
  }
}
