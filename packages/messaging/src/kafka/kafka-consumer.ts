// The consumer port on a @platformatic/kafka group consumer with manual commits. The client rebalances
// eagerly and cannot delay a rebalance, so `onRevoking` is a prompt to commit what is done (commits are
// still accepted while the group prepares to rebalance); the inbox covers what could not be committed.
import {
  type Message,
  type MessagesStream,
  Consumer as PlatformaticConsumer,
  stringDeserializer,
} from '@platformatic/kafka';
import type { Logger } from 'pino';
import { TransportClosedError } from '../errors.ts';
import type {
  CommitOffset,
  Consumer,
  ConsumerListener,
  ConsumerOptions,
  PartitionEnd,
  TopicPartition,
  TransportRecord,
} from '../ports/transport.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import type { KafkaClientSettings } from './kafka-settings.ts';

type KafkaMessage = Message<string | undefined, Buffer | undefined, string, string>;
type Stream = MessagesStream<string | undefined, Buffer | undefined, string, string>;

const REOPEN_DELAY_MS = 500;
/** ListOffsets' timestamp for the earliest offset. */
const EARLIEST = -2n;

export class KafkaConsumer implements Consumer {
  readonly groupId: string;
  readonly #topics: string[];
  readonly #client: PlatformaticConsumer<string | undefined, Buffer | undefined, string, string>;
  readonly #settings: KafkaClientSettings;
  readonly #logger: Logger;
  readonly #epochs = new Map<string, number>();
  #lastEpoch = { topic: '', partition: -1, epoch: -1 };
  #listener: ConsumerListener | undefined;
  #stream: Stream | undefined;
  #assignment: TopicPartition[] = [];
  #pending: TransportRecord[] = [];
  #flushScheduled = false;
  #paused = false;
  #closing = false;
  #reopenTimer: NodeJS.Timeout | undefined;

  constructor(settings: KafkaClientSettings, options: ConsumerOptions, logger: Logger) {
    this.groupId = options.groupId;
    this.#topics = [...options.topics];
    this.#settings = settings;
    this.#logger = logger.child({ component: 'kafka-consumer', group: options.groupId });
    this.#client = new PlatformaticConsumer<string | undefined, Buffer | undefined, string, string>({
      clientId: options.clientId ?? settings.clientId,
      groupId: options.groupId,
      bootstrapBrokers: settings.brokers,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTime: settings.maxWaitTimeMs,
      timeout: settings.requestTimeoutMs,
      connectTimeout: settings.connectTimeoutMs,
      retries: settings.clientRetries + 2,
      retryDelay: settings.clientRetryDelayMs,
      autocommit: false,
      partitionAssigner: coPartitionedAssigner,
      deserializers: {
        key: (data) => (data === undefined ? undefined : stringDeserializer(data)),
        headerKey: (data) => stringDeserializer(data) ?? '',
        headerValue: (data) => stringDeserializer(data) ?? '',
      },
    });
  }

  async start(listener: ConsumerListener): Promise<void> {
    if (this.#closing) throw new TransportClosedError('consumer');
    this.#listener = listener;
    this.#client.on('consumer:group:join', ({ assignments }) => {
      this.#assignment = (assignments ?? []).flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      );
      if (!this.#closing) listener.onAssigned([...this.#assignment]);
    });
    this.#client.on('consumer:group:rebalance', () => {
      if (this.#closing || this.#assignment.length === 0) return;
      listener.onRevoking([...this.#assignment]).catch(() => {});
    });
    await this.#open();
  }

  async #open(): Promise<void> {
    const stream = (await this.#client.consume({
      topics: this.#topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: this.#settings.maxWaitTimeMs,
    })) as Stream;
    this.#stream = stream;
    stream.on('data', (message: KafkaMessage) => this.#buffer(message));
    stream.on('error', (error: Error) => {
      if (this.#closing) return;
      this.#logger.warn({ err: error }, 'consumer stream failed; reopening');
      this.#listener?.onError(error);
    });
    stream.on('close', () => {
      if (this.#closing || this.#stream !== stream) return;
      this.#stream = undefined;
      this.#scheduleReopen();
    });
    if (this.#paused) stream.pause();
  }

  #scheduleReopen(): void {
    if (this.#reopenTimer || this.#closing) return;
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = undefined;
      if (this.#closing) return;
      this.#open().catch((error: Error) => {
        this.#logger.warn({ err: error }, 'reopening the consumer stream failed');
        this.#listener?.onError(error);
        this.#scheduleReopen();
      });
    }, REOPEN_DELAY_MS);
  }

  #buffer(message: KafkaMessage): void {
    // Records come in runs of one partition: the epoch is noted when the run starts.
    const last = this.#lastEpoch;
    if (
      last.topic !== message.topic ||
      last.partition !== message.partition ||
      last.epoch !== message.leaderEpoch
    ) {
      this.#epochs.set(`${message.topic}\u0000${message.partition}`, message.leaderEpoch);
      this.#lastEpoch = { topic: message.topic, partition: message.partition, epoch: message.leaderEpoch };
    }
    // A plain loop: Object.fromEntries costs twice as much, and this runs for every record.
    const headers: Record<string, string> = {};
    for (const [name, value] of message.headers) headers[name] = value;
    this.#pending.push({
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? null,
      headers,
      timestamp: Number(message.timestamp),
    });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const records = this.#pending;
      this.#pending = [];
      if (!this.#closing && records.length > 0) this.#listener?.onRecords(records);
    });
  }

  async commit(offsets: CommitOffset[]): Promise<void> {
    if (this.#closing && !this.#stream) throw new TransportClosedError('consumer');
    await this.#client.commit({
      offsets: offsets.map((o) => ({
        ...o,
        leaderEpoch: this.#epochs.get(`${o.topic}\u0000${o.partition}`) ?? -1,
      })),
    });
  }

  async backlog(partitions: TopicPartition[]): Promise<PartitionEnd[]> {
    if (partitions.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const topics = [...byTopic.keys()];
    const only = Object.fromEntries(byTopic);
    const [committed, ends, starts] = await Promise.all([
      this.#client.listCommittedOffsets({
        topics: [...byTopic].map(([topic, numbers]) => ({ topic, partitions: numbers })),
      }),
      this.#client.listOffsets({ topics, partitions: only }),
      this.#client.listOffsets({ topics, partitions: only, timestamp: EARLIEST }),
    ]);
    const backlog: PartitionEnd[] = [];
    for (const { topic, partition } of partitions) {
      const end = ends.get(topic)?.[partition];
      if (end === undefined) continue;
      // Without a committed offset the group starts at the earliest record still kept.
      const from = committed.get(topic)?.[partition] ?? -1n;
      const next = from >= 0n ? from : (starts.get(topic)?.[partition] ?? 0n);
      if (end > next) backlog.push({ topic, partition, end });
    }
    return backlog;
  }

  pause(): void {
    this.#paused = true;
    this.#stream?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#stream?.resume();
  }

  async close(): Promise<void> {
    await this.#shutdown(false);
  }

  async abort(): Promise<void> {
    await this.#shutdown(true);
  }

  async #shutdown(force: boolean): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#reopenTimer);
    const stream = this.#stream;
    this.#stream = undefined;
    try {
      if (stream && !force) await stream.close();
      await this.#client.close(true);
    } catch (error) {
      this.#logger.warn({ err: error }, 'closing the consumer failed');
    }
  }
}
