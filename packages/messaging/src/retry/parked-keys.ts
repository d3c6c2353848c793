// Per-key order while a record waits in the retry topic: records of the same key that come after it are
// parked behind it, in order, and handled only once it has succeeded or gone to the dead-letter topic.
// The state lives in the process that owns the partition (the assignment is co-partitioned); it is
// dropped when the partition moves away.

interface KeyQueue {
  partition: number;
  /** Ids (origin topic/partition/offset) of the key's records in the retry topic, in handling order. */
  ids: string[];
}

export class ParkedKeys {
  readonly #queues = new Map<string, KeyQueue>();

  static #slot(topic: string, key: string): string {
    return `${topic}\u0000${key}`;
  }

  /** True when an earlier record of the key waits in the retry topic. */
  isHeld(topic: string, key: string): boolean {
    return (this.#queues.get(ParkedKeys.#slot(topic, key))?.ids.length ?? 0) > 0;
  }

  /** True when `id` may run now: nothing of its key waits, or it is the first in line. */
  mayRun(topic: string, key: string, id: string): boolean {
    const queue = this.#queues.get(ParkedKeys.#slot(topic, key));
    return !queue || queue.ids.length === 0 || queue.ids[0] === id;
  }

  /** Puts `id` first in line (it failed and waits for its next round). */
  holdFirst(topic: string, key: string, partition: number, id: string): void {
    const queue = this.#queue(topic, key, partition);
    queue.ids = [id, ...queue.ids.filter((other) => other !== id)];
  }

  /** Puts `id` last in line (it waits behind earlier records of its key). */
  holdLast(topic: string, key: string, partition: number, id: string): void {
    const queue = this.#queue(topic, key, partition);
    queue.ids = [...queue.ids.filter((other) => other !== id), id];
  }

  /** Puts `id` last in line unless it is already waiting (a record seen again in the retry topic). */
  holdIfAbsent(topic: string, key: string, partition: number, id: string): void {
    const queue = this.#queue(topic, key, partition);
    if (!queue.ids.includes(id)) queue.ids.push(id);
  }

  /** `id` is done (handled, dead-lettered or skipped); the next in line may run. */
  release(topic: string, key: string, id: string): void {
    const slot = ParkedKeys.#slot(topic, key);
    const queue = this.#queues.get(slot);
    if (!queue) return;
    queue.ids = queue.ids.filter((other) => other !== id);
    if (queue.ids.length === 0) this.#queues.delete(slot);
  }

  /** Forgets the keys of a partition this process no longer owns. */
  forget(topic: string, partition: number): void {
    const prefix = `${topic}\u0000`;
    for (const [slot, queue] of this.#queues) {
      if (slot.startsWith(prefix) && queue.partition === partition) this.#queues.delete(slot);
    }
  }

  get size(): number {
    return this.#queues.size;
  }

  #queue(topic: string, key: string, partition: number): KeyQueue {
    const slot = ParkedKeys.#slot(topic, key);
    let queue = this.#queues.get(slot);
    if (!queue) {
      queue = { partition, ids: [] };
      this.#queues.set(slot, queue);
    }
    return queue;
  }
}

export function recordId(origin: { topic: string; partition: number; offset: bigint }): string {
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}
