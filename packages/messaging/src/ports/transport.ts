// The ports every transport implements (in-memory for tests, Kafka for real), kept small on purpose:
// publish raw records; consume them through a consumer group with explicit commits.

export interface RawMessage {
  topic: string;
  /** Records with the same key go to the same partition and keep their order. */
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TransportRecord extends RawMessage, TopicPartition {
  offset: bigint;
  /** Milliseconds since the epoch (producer or broker time). */
  timestamp: number;
}

export interface PartitionEnd extends TopicPartition {
  end: bigint;
}

export interface PartitionLag extends TopicPartition {
  lag: bigint;
}

export interface CommitOffset extends TopicPartition {
  /** The next offset to read: the last handled record's offset + 1. */
  offset: bigint;
}

/** Publishes raw records. Resolves once the transport has the record durably. */
export interface Publisher {
  /**
   * With `signal`, a publish given up on before it was sent is not sent at all (a failed publish must not
   * land later as a duplicate); once sent, it runs its course.
   */
  publishRaw(message: RawMessage, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerListener {
  /** Records in offset order per partition; partitions may interleave. */
  onRecords(records: TransportRecord[]): void;
  /** The complete assignment after a (re)balance. */
  onAssigned(partitions: TopicPartition[]): void;
  /**
   * The group is about to take partitions away (or, where the transport cannot say in advance, has started
   * to): commit what is done. Transports that can wait for the returned promise do.
   */
  onRevoking(partitions: TopicPartition[]): Promise<void>;
  /** A failure the consumer could not recover from by itself. */
  onError(error: Error): void;
  /** A subscribed topic does not exist (the broker lost it): create it again before the consumer reopens. */
  onTopicsMissing?(): Promise<void>;
}

/** What a consumer knows of its own health. */
export interface ConsumerStatus {
  /** Joined its group and not failed since. */
  member: boolean;
  /** Partitions currently assigned. */
  assigned: number;
  paused: boolean;
  /** When a fetch last succeeded (or, without partitions, a heartbeat), epoch ms. */
  lastFetchAt?: number;
  /**
   * When the group last handed this member its partitions, epoch ms; absent after a failure until a fetch
   * succeeds again. A new assignment counts as a fresh start: its first long-poll on a quiet topic takes
   * the whole fetch wait.
   */
  assignedAt?: number;
  /** Root cause of the latest failure, until the next join. */
  lastError?: string;
}

export interface Consumer {
  readonly groupId: string;
  /** Transports that can tell: whether the consumer is in its group and fetching. */
  status?(): ConsumerStatus;
  /** Joins the group and starts delivering records from the committed offsets (earliest without one). */
  start(listener: ConsumerListener): Promise<void>;
  commit(offsets: CommitOffset[]): Promise<void>;
  /**
   * Of these partitions, those holding records past the group's committed offset, each with its end offset
   * (the offset the next record will get) as of now.
   */
  backlog(partitions: TopicPartition[]): Promise<PartitionEnd[]>;
  /** Records of each partition past the group's committed offset (0 when none), as of now. */
  lag(partitions: TopicPartition[]): Promise<PartitionLag[]>;
  /** Stops delivering records (backpressure) until resume(). */
  pause(): void;
  resume(): void;
  /** Leaves the group; the caller commits first. */
  close(): Promise<void>;
  /** Drops out without committing anything, as a crashed process would. */
  abort(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Replicas per partition; default the transport's setting (on Kafka -1: the cluster default, KIP-464). */
  replicationFactor?: number;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  clientId?: string;
}

export interface Transport {
  readonly name: string;
  createPublisher(options?: { clientId?: string }): Publisher;
  createConsumer(options: ConsumerOptions): Consumer;
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Partition count of a topic, undefined when it does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  /** Every record currently in the topic, outside any consumer group (redrive, inspection). */
  readTopic(topic: string): Promise<TransportRecord[]>;
  close(): Promise<void>;
}
