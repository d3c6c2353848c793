// Every timeout of the coordinator (sessions, join and sync phases, pending members, group cleanup) in one
// min-heap driven by a single timer.
//
// Why one heap and not a timer per member: a heartbeat only writes the member's last-seen time (O(1), no
// timer is touched). The session check scheduled for a member fires at its old deadline, sees the newer
// last-seen time and re-schedules itself once (O(log n)). With n members and session timeout s that is at
// most n/s cheap callbacks per second and exactly one armed OS timer, where a setTimeout per member would
// clear and re-create a timer on every heartbeat, and a periodic sweep would scan all n members per tick.
import type { Logger } from 'pino';

/** Where time comes from; tests inject a manual source to move time by hand. */
export interface TimerSource {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Monotonic time and real timers that do not keep the process alive. */
export const systemTimers: TimerSource = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface Deadline {
  readonly at: number;
  cancel(): void;
}

interface Entry extends Deadline {
  readonly seq: number;
  readonly task: () => void;
  cancelled: boolean;
}

// setTimeout's longest delay; later deadlines re-arm when it fires.
const MAX_DELAY_MS = 2 ** 31 - 1;

export class DeadlineQueue {
  readonly #timers: TimerSource;
  readonly #logger: Logger;
  readonly #heap: Entry[] = [];
  #seq = 0;
  #cancelledInHeap = 0;
  #handle: unknown = null;
  #armedAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(timers: TimerSource, logger: Logger) {
    this.#timers = timers;
    this.#logger = logger;
  }

  now(): number {
    return this.#timers.now();
  }

  /** Runs `task` once the clock reaches `at`; deadlines run in (at, scheduling order). */
  schedule(at: number, task: () => void): Deadline {
    const entry: Entry = {
      at,
      seq: this.#seq++,
      task,
      cancelled: false,
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.#cancelledInHeap++;
        this.#maybeRebuild();
      },
    };
    if (this.#closed) {
      entry.cancelled = true;
      return entry;
    }
    this.#push(entry);
    this.#arm();
    return entry;
  }

  /** Pending entries, cancelled ones included until they reach the top. */
  get size(): number {
    return this.#heap.length;
  }

  close(): void {
    this.#closed = true;
    if (this.#handle !== null) this.#timers.clearTimeout(this.#handle);
    this.#handle = null;
    this.#heap.length = 0;
    this.#cancelledInHeap = 0;
  }

  // Cancelled entries wait in the heap until they reach the top; rebuild when they are most of it.
  #maybeRebuild(): void {
    if (this.#cancelledInHeap < 1024 || this.#cancelledInHeap * 2 < this.#heap.length) return;
    const live = this.#heap.filter((e) => !e.cancelled);
    this.#heap.length = 0;
    this.#cancelledInHeap = 0;
    for (const e of live) this.#push(e);
  }

  #arm(): void {
    const head = this.#heap[0];
    if (!head || head.at >= this.#armedAt) return;
    if (this.#handle !== null) this.#timers.clearTimeout(this.#handle);
    this.#armedAt = head.at;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, Math.ceil(head.at - this.#timers.now())));
    this.#handle = this.#timers.setTimeout(() => this.#fire(), delay);
  }

  #fire(): void {
    this.#handle = null;
    this.#armedAt = Number.POSITIVE_INFINITY;
    while (!this.#closed && this.#heap.length > 0 && this.#heap[0].at <= this.#timers.now()) {
      const entry = this.#pop();
      if (entry.cancelled) {
        this.#cancelledInHeap--;
        continue;
      }
      // Marked so a late cancel() of a task that already ran is not counted as waiting in the heap.
      entry.cancelled = true;
      try {
        entry.task();
      } catch (err) {
        this.#logger.error({ err }, 'group coordinator timer task failed');
      }
    }
    if (!this.#closed) {
      // Drop cancelled entries at the top so they do not arm the timer needlessly.
      while (this.#heap.length > 0 && this.#heap[0].cancelled) {
        this.#pop();
        this.#cancelledInHeap--;
      }
      this.#arm();
    }
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.#less(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && this.#less(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}
