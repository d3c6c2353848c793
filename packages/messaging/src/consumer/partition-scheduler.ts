// Runs records: in order within a partition, partitions in parallel up to a concurrency limit, taking
// turns. A record that is not due yet (retry topic) parks its partition on a timer without holding a slot.
import type { Clock } from '../clock.ts';
import type { TopicPartition, TransportRecord } from '../ports/transport.ts';

export interface PartitionSchedulerOptions {
  concurrency: number;
  clock: Clock;
  /** Epoch ms before which the record must not run; undefined = now. */
  dueAt(record: TransportRecord): number | undefined;
  /** Handles one record; resolves true when it is done (commit), false when abandoned (stopping). */
  run(record: TransportRecord): Promise<boolean>;
  onDone(record: TransportRecord): void;
}

/** Records in arrival order; taking the first is O(1) however long the queue is (Array#shift copies). */
class RecordQueue {
  #items: (TransportRecord | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  first(): TransportRecord | undefined {
    return this.#items[this.#head];
  }

  push(record: TransportRecord): void {
    this.#items.push(record);
  }

  shift(): TransportRecord | undefined {
    if (this.length === 0) return undefined;
    const record = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return record;
  }

  unshift(record: TransportRecord): void {
    if (this.#head > 0) this.#items[--this.#head] = record;
    else this.#items.unshift(record);
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

interface PartitionState {
  tp: TopicPartition;
  queue: RecordQueue;
  active: Promise<void> | undefined;
  waiting: AbortController | undefined;
  frozen: boolean;
}

const partitionKeys = new Map<string, string[]>();

/** One string per topic-partition, made once: it is looked up several times for every record. */
export function partitionKey(topic: string, partition: number): string {
  let keys = partitionKeys.get(topic);
  if (!keys) {
    keys = [];
    partitionKeys.set(topic, keys);
  }
  keys[partition] ??= `${topic}\u0000${partition}`;
  return keys[partition];
}

export class PartitionScheduler {
  readonly #options: PartitionSchedulerOptions;
  readonly #partitions = new Map<string, PartitionState>();
  #running = 0;
  #queued = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: PartitionSchedulerOptions) {
    this.#options = options;
  }

  /** Records waiting to run (not counting those running). */
  get queued(): number {
    return this.#queued;
  }

  enqueue(record: TransportRecord): void {
    if (this.#stopped) return;
    this.#state({ topic: record.topic, partition: record.partition }).queue.push(record);
    this.#queued++;
    this.#pump();
  }

  /** Stops starting records of these partitions until `thaw` (a rebalance is under way). */
  freeze(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).frozen = true;
  }

  thaw(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#state(tp).frozen = false;
    this.#pump();
  }

  /** Resolves when the records now running for these partitions are finished. */
  async settle(partitions: TopicPartition[]): Promise<void> {
    const running = partitions
      .map((tp) => this.#partitions.get(partitionKey(tp.topic, tp.partition))?.active)
      .filter((p): p is Promise<void> => p !== undefined);
    await Promise.all(running);
  }

  /** Forgets queued records of partitions this process no longer owns. */
  drop(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      const state = this.#partitions.get(key);
      if (!state) continue;
      this.#queued -= state.queue.length;
      state.queue.clear();
      state.waiting?.abort();
      // A record still running finishes on its own; it sees its state gone and does not come back.
      this.#partitions.delete(key);
    }
    this.#notifyIdle();
  }

  /** Starts nothing new; resolves when every running record has finished or given up. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#partitions.values()) {
      this.#queued -= state.queue.length;
      state.queue.clear();
      state.waiting?.abort();
    }
    await Promise.all([...this.#partitions.values()].map((s) => s.active));
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#queued === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #state(tp: TopicPartition): PartitionState {
    const key = partitionKey(tp.topic, tp.partition);
    let state = this.#partitions.get(key);
    if (!state) {
      state = { tp, queue: new RecordQueue(), active: undefined, waiting: undefined, frozen: false };
      this.#partitions.set(key, state);
    }
    return state;
  }

  #pump(): void {
    if (this.#stopped) return;
    for (const [key, state] of this.#partitions) {
      if (this.#running >= this.#options.concurrency) return;
      if (state.active || state.waiting || state.frozen || state.queue.length === 0) continue;
      const dueAt = this.#options.dueAt(state.queue.first()!);
      const wait = dueAt === undefined ? 0 : dueAt - this.#options.clock.now();
      if (wait > 0) {
        this.#waitFor(state, wait);
        continue;
      }
      // Served partitions go to the back so the others get their turn.
      this.#partitions.delete(key);
      this.#partitions.set(key, state);
      this.#start(state);
    }
  }

  #waitFor(state: PartitionState, ms: number): void {
    const controller = new AbortController();
    state.waiting = controller;
    this.#options.clock.sleep(ms, controller.signal).then(
      () => {
        if (state.waiting === controller) state.waiting = undefined;
        this.#pump();
      },
      () => {
        if (state.waiting === controller) state.waiting = undefined;
      },
    );
  }

  #start(state: PartitionState): void {
    this.#running++;
    state.active = this.#drain(state);
  }

  /**
   * Runs the partition's records one after the other while its slot is not wanted elsewhere (a free slot
   * remains), then gives the slot back so the partitions take turns.
   */
  async #drain(state: PartitionState): Promise<void> {
    const key = partitionKey(state.tp.topic, state.tp.partition);
    for (;;) {
      const record = state.queue.shift()!;
      this.#queued--;
      let done = false;
      try {
        done = await this.#options.run(record);
      } catch (err) {
        this.#running--;
        state.active = undefined;
        throw err;
      }
      const ours = !this.#stopped && this.#partitions.get(key) === state;
      if (done) this.#options.onDone(record);
      else if (ours) {
        // Abandoned while the partition is still ours: run it again first.
        state.queue.unshift(record);
        this.#queued++;
        break;
      }
      if (!ours || state.frozen || state.queue.length === 0) break;
      if (this.#running >= this.#options.concurrency) break;
      const dueAt = this.#options.dueAt(state.queue.first()!);
      if (dueAt !== undefined && dueAt > this.#options.clock.now()) break;
    }
    this.#running--;
    state.active = undefined;
    this.#pump();
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    if (this.#queued !== 0 || this.#running !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
