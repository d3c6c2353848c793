// Consumer groups of the in-memory transport: membership, co-partitioned assignment, committed offsets.
// Unlike Kafka, a rebalance waits (up to `rebalanceTimeoutMs`) for every member to finish `onRevoking`,
// which is what a cooperative client does; a crashed (aborted) member gets no such call.
import { assignCoPartitioned } from '../co-partitioned-assignment.ts';
import { MessagingError, TransportClosedError } from '../errors.ts';
import type {
  CommitOffset,
  Consumer,
  ConsumerListener,
  PartitionEnd,
  PartitionLag,
  TopicPartition,
  TransportRecord,
} from '../ports/transport.ts';
import type { InMemoryLog } from './in-memory-log.ts';

const FETCH_MAX_RECORDS = 100;

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class CommitRejectedError extends MessagingError {
  constructor(message: string) {
    super('COMMIT_REJECTED', message, { retriable: false });
    this.name = 'CommitRejectedError';
  }
}

export class InMemoryGroup {
  readonly id: string;
  readonly #log: InMemoryLog;
  readonly #rebalanceTimeoutMs: number;
  readonly #members = new Map<string, InMemoryMember>();
  readonly #committed = new Map<string, bigint>();
  #generation = 0;
  #rebalancing: Promise<void> = Promise.resolve();

  constructor(id: string, log: InMemoryLog, rebalanceTimeoutMs: number) {
    this.id = id;
    this.#log = log;
    this.#rebalanceTimeoutMs = rebalanceTimeoutMs;
  }

  get generation(): number {
    return this.#generation;
  }

  committed(topic: string, partition: number): bigint | undefined {
    return this.#committed.get(tpKey(topic, partition));
  }

  join(member: InMemoryMember): Promise<void> {
    return this.#serialize(async () => {
      await this.#revokeAll();
      this.#members.set(member.memberId, member);
      this.#assign();
    });
  }

  /** A graceful leave: the others hand back their partitions and get new ones. */
  leave(member: InMemoryMember): Promise<void> {
    return this.#serialize(async () => {
      if (!this.#members.delete(member.memberId)) return;
      await this.#revokeAll();
      this.#assign();
    });
  }

  /** A crash: the member is gone at once, without being asked to commit. */
  drop(member: InMemoryMember): Promise<void> {
    if (!this.#members.delete(member.memberId)) return this.#rebalancing;
    member.assign([]);
    return this.#serialize(async () => {
      await this.#revokeAll();
      this.#assign();
    });
  }

  commit(member: InMemoryMember, offsets: CommitOffset[]): void {
    if (!this.#members.has(member.memberId)) {
      throw new CommitRejectedError(`${member.memberId} is not a member of ${this.id}`);
    }
    for (const o of offsets) {
      if (!member.owns(o.topic, o.partition)) {
        throw new CommitRejectedError(`${o.topic}[${o.partition}] is not assigned to ${member.memberId}`);
      }
    }
    for (const o of offsets) {
      const key = tpKey(o.topic, o.partition);
      const previous = this.#committed.get(key);
      if (previous === undefined || previous < o.offset) this.#committed.set(key, o.offset);
    }
  }

  #serialize(step: () => Promise<void>): Promise<void> {
    const next = this.#rebalancing.then(step, step);
    this.#rebalancing = next.catch(() => {});
    return next;
  }

  async #revokeAll(): Promise<void> {
    await Promise.all(
      [...this.#members.values()].map(async (m) => {
        const owned = m.assignment();
        if (owned.length === 0) return;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#rebalanceTimeoutMs);
        });
        try {
          await Promise.race([m.revoking(owned), timeout]);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  #assign(): void {
    this.#generation++;
    const topics = new Set<string>();
    for (const m of this.#members.values()) for (const t of m.topics) topics.add(t);
    const plan = assignCoPartitioned(
      [...topics].map((topic) => {
        this.#log.ensure(topic);
        return {
          topic,
          partitions: this.#log.partitionCount(topic)!,
          members: [...this.#members.values()].filter((m) => m.topics.includes(topic)).map((m) => m.memberId),
        };
      }),
    );
    for (const m of this.#members.values()) {
      const assigned: TopicPartition[] = [];
      for (const [topic, partitions] of plan.get(m.memberId) ?? []) {
        for (const partition of partitions) assigned.push({ topic, partition });
      }
      m.assign(assigned);
    }
  }
}

let memberSequence = 0;

export class InMemoryMember implements Consumer {
  readonly groupId: string;
  readonly memberId: string;
  readonly topics: string[];
  readonly #group: InMemoryGroup;
  readonly #log: InMemoryLog;
  readonly #unsubscribe: () => void;
  #listener: ConsumerListener | undefined;
  #assigned: TopicPartition[] = [];
  readonly #positions = new Map<string, bigint>();
  #paused = false;
  #closed = false;
  #pumpScheduled = false;

  readonly #withheld: ReadonlySet<string>;

  /** `withheld`: topics whose records are not delivered for now (a fetch that lags behind). */
  constructor(
    group: InMemoryGroup,
    log: InMemoryLog,
    topics: string[],
    clientId: string,
    withheld: ReadonlySet<string> = new Set(),
  ) {
    this.#withheld = withheld;
    this.groupId = group.id;
    this.memberId = `${clientId}-${++memberSequence}`;
    this.topics = [...topics];
    this.#group = group;
    this.#log = log;
    this.#unsubscribe = log.onAppend((topic) => {
      if (this.topics.includes(topic)) this.#schedulePump();
    });
  }

  async start(listener: ConsumerListener): Promise<void> {
    if (this.#closed) throw new TransportClosedError('consumer');
    this.#listener = listener;
    await this.#group.join(this);
  }

  assignment(): TopicPartition[] {
    return [...this.#assigned];
  }

  owns(topic: string, partition: number): boolean {
    return this.#assigned.some((tp) => tp.topic === topic && tp.partition === partition);
  }

  async revoking(partitions: TopicPartition[]): Promise<void> {
    if (this.#closed || !this.#listener) return;
    await this.#listener.onRevoking(partitions);
  }

  assign(partitions: TopicPartition[]): void {
    this.#assigned = partitions;
    this.#positions.clear();
    for (const { topic, partition } of partitions) {
      this.#positions.set(tpKey(topic, partition), this.#group.committed(topic, partition) ?? 0n);
    }
    if (!this.#closed) this.#listener?.onAssigned(this.assignment());
    this.#schedulePump();
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    if (this.#closed) throw new TransportClosedError('consumer');
    await Promise.resolve();
    this.#group.commit(this, offsets);
  }

  async backlog(partitions: TopicPartition[]): Promise<PartitionEnd[]> {
    if (this.#closed) throw new TransportClosedError('consumer');
    return partitions
      .map(({ topic, partition }) => ({
        topic,
        partition,
        end: this.#log.endOffset(topic, partition),
        committed: this.#group.committed(topic, partition) ?? 0n,
      }))
      .filter((p) => p.end > p.committed)
      .map(({ topic, partition, end }) => ({ topic, partition, end }));
  }

  async lag(partitions: TopicPartition[]): Promise<PartitionLag[]> {
    if (this.#closed) throw new TransportClosedError('consumer');
    return partitions.map(({ topic, partition }) => {
      const end = this.#log.endOffset(topic, partition);
      const committed = this.#group.committed(topic, partition) ?? 0n;
      return { topic, partition, lag: end > committed ? end - committed : 0n };
    });
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedulePump();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    await this.#group.leave(this);
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    await this.#group.drop(this);
  }

  /** Delivers what is there to deliver (after withheld topics were released). */
  wake(): void {
    this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#closed || this.#paused || !this.#listener) return;
    const batch: TransportRecord[] = [];
    let more = false;
    for (const { topic, partition } of this.#assigned) {
      if (this.#withheld.has(topic)) continue;
      const key = tpKey(topic, partition);
      const position = this.#positions.get(key) ?? 0n;
      const records = this.#log.read(topic, partition, position, FETCH_MAX_RECORDS);
      if (records.length === 0) continue;
      this.#positions.set(key, records[records.length - 1].offset + 1n);
      batch.push(...records);
      if (this.#log.endOffset(topic, partition) > position + BigInt(records.length)) more = true;
    }
    if (batch.length > 0) this.#listener.onRecords(batch);
    if (more) this.#schedulePump();
  }
}
