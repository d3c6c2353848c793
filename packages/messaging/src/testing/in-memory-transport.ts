// A transport that keeps topics, partitions, consumer groups and commits in memory: fast, deterministic,
// with an injectable clock and switchable faults. It passes the same contract suite as the Kafka transport.
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { TransportClosedError, TransportUnavailableError } from '../errors.ts';
import type {
  Consumer,
  ConsumerOptions,
  Publisher,
  RawMessage,
  TopicSpec,
  Transport,
  TransportRecord,
} from '../ports/transport.ts';
import { InMemoryGroup, InMemoryMember } from './in-memory-group.ts';
import { InMemoryLog } from './in-memory-log.ts';

export interface InMemoryTransportOptions {
  clock?: Clock;
  /** Partitions of topics created implicitly (default 3). */
  defaultPartitions?: number;
  /** How long a rebalance waits for members to hand back partitions (default 10 s). */
  rebalanceTimeoutMs?: number;
}

export interface InMemoryFaults {
  /** While true, publishing fails with TRANSPORT_UNAVAILABLE. */
  unavailable: boolean;
  /** Publishes wait this long (real time) before completing. */
  publishLatencyMs: number;
}

export class InMemoryTransport implements Transport {
  readonly name = 'in-memory';
  readonly clock: Clock;
  readonly faults: InMemoryFaults = { unavailable: false, publishLatencyMs: 0 };
  readonly #log: InMemoryLog;
  readonly #groups = new Map<string, InMemoryGroup>();
  readonly #rebalanceTimeoutMs: number;
  readonly #consumers = new Set<InMemoryMember>();
  readonly #withheld = new Set<string>();
  #closed = false;

  constructor(options: InMemoryTransportOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#log = new InMemoryLog(this.clock, options.defaultPartitions ?? 3);
    this.#rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 10_000;
  }

  createPublisher(): Publisher {
    let closed = false;
    return {
      publishRaw: async (message: RawMessage) => {
        if (closed || this.#closed) throw new TransportClosedError('publisher');
        if (this.faults.publishLatencyMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, this.faults.publishLatencyMs));
        }
        if (this.faults.unavailable)
          throw new TransportUnavailableError('in-memory transport is unavailable');
        this.#log.append(message);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  createConsumer(options: ConsumerOptions): Consumer {
    if (this.#closed) throw new TransportClosedError('transport');
    let group = this.#groups.get(options.groupId);
    if (!group) {
      group = new InMemoryGroup(options.groupId, this.#log, this.#rebalanceTimeoutMs);
      this.#groups.set(options.groupId, group);
    }
    const member = new InMemoryMember(
      group,
      this.#log,
      options.topics,
      options.clientId ?? 'consumer',
      this.#withheld,
    );
    this.#consumers.add(member);
    return member;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const { topic, partitions } of topics) this.#log.ensure(topic, partitions);
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    return this.#log.partitionCount(topic);
  }

  async readTopic(topic: string): Promise<TransportRecord[]> {
    const count = this.#log.partitionCount(topic) ?? 0;
    const out: TransportRecord[] = [];
    for (let p = 0; p < count; p++) {
      out.push(...this.#log.read(topic, p, 0n, Number.MAX_SAFE_INTEGER));
    }
    return out;
  }

  /** Consumers get no records of `topic` until `deliver(topic)`, as when their fetches lag behind (tests). */
  withhold(topic: string): void {
    this.#withheld.add(topic);
  }

  deliver(topic: string): void {
    this.#withheld.delete(topic);
    for (const consumer of this.#consumers) consumer.wake();
  }

  /** The offset a group has committed for a partition (tests). */
  committedOffset(groupId: string, topic: string, partition: number): bigint | undefined {
    return this.#groups.get(groupId)?.committed(topic, partition);
  }

  /** Which partition a key goes to (tests). */
  partitionFor(topic: string, key: string): number {
    return this.#log.partitionFor(topic, key);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.abort()));
  }
}

export function createInMemoryTransport(options: InMemoryTransportOptions = {}): InMemoryTransport {
  return new InMemoryTransport(options);
}
