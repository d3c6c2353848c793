// Topics of the in-memory transport: append-only partitions, keyed partitioning, append notifications.
import { crc32 } from 'node:zlib';
import type { Clock } from '../clock.ts';
import { MessagingArgumentError } from '../errors.ts';
import type { RawMessage, TransportRecord } from '../ports/transport.ts';

interface StoredRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

export class InMemoryLog {
  readonly #topics = new Map<string, StoredRecord[][]>();
  readonly #listeners = new Set<(topic: string) => void>();
  readonly #clock: Clock;
  readonly #defaultPartitions: number;
  #roundRobin = 0;

  constructor(clock: Clock, defaultPartitions: number) {
    this.#clock = clock;
    this.#defaultPartitions = defaultPartitions;
  }

  ensure(topic: string, partitions = this.#defaultPartitions): void {
    if (this.#topics.has(topic)) return;
    if (!topic) throw new MessagingArgumentError('topic name must not be empty');
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new MessagingArgumentError(`${topic}: partitions must be a positive integer`);
    }
    this.#topics.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  partitionCount(topic: string): number | undefined {
    return this.#topics.get(topic)?.length;
  }

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** Same key, same partition (CRC-32 of the key); keyless records go round-robin. */
  partitionFor(topic: string, key: string | null): number {
    const count = this.partitionCount(topic) ?? this.#defaultPartitions;
    if (key === null) return this.#roundRobin++ % count;
    return crc32(key) % count;
  }

  append(message: RawMessage): { partition: number; offset: bigint } {
    this.ensure(message.topic);
    const partitions = this.#topics.get(message.topic)!;
    const partition = this.partitionFor(message.topic, message.key);
    const log = partitions[partition];
    log.push({
      key: message.key,
      value: message.value === null ? null : Buffer.from(message.value),
      headers: { ...message.headers },
      timestamp: this.#clock.now(),
    });
    for (const listener of [...this.#listeners]) listener(message.topic);
    return { partition, offset: BigInt(log.length - 1) };
  }

  endOffset(topic: string, partition: number): bigint {
    return BigInt(this.#topics.get(topic)?.[partition]?.length ?? 0);
  }

  read(topic: string, partition: number, from: bigint, max: number): TransportRecord[] {
    const log = this.#topics.get(topic)?.[partition] ?? [];
    const out: TransportRecord[] = [];
    for (let i = Number(from); i < log.length && out.length < max; i++) {
      const r = log[i];
      out.push({
        topic,
        partition,
        offset: BigInt(i),
        key: r.key,
        value: r.value === null ? null : Buffer.from(r.value),
        headers: { ...r.headers },
        timestamp: r.timestamp,
      });
    }
    return out;
  }

  onAppend(listener: (topic: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
