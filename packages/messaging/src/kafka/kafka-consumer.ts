// The consumer port on a @platformatic/kafka group consumer with manual commits. The client rebalances
// eagerly and cannot delay a rebalance, so `onRevoking` is a prompt to commit what is done (commits are
// still accepted while the group prepares to rebalance); the inbox covers what could not be committed.
// A failed stream is reopened with jittered backoff; a topic the broker no longer knows (its data was wiped)
// is recreated first; after repeated failures the client itself is replaced, since @platformatic/kafka 2.x
// keeps asking a group coordinator that is gone.

import {
  type Message,
  type MessagesStream,
  Consumer as PlatformaticConsumer,
  stringDeserializer,
} from '@platformatic/kafka';
import { errorSummary, rootCauseOf } from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';
import { TransportClosedError } from '../errors.ts';
import type {
  CommitOffset,
  Consumer,
  ConsumerListener,
  ConsumerOptions,
  ConsumerStatus,
  PartitionEnd,
  PartitionLag,
  TopicPartition,
  TransportRecord,
} from '../ports/transport.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { isUnknownTopic } from './kafka-errors.ts';
import { clientSecurityOptions } from './kafka-security.ts';
import type { KafkaClientSettings } from './kafka-settings.ts';

type KafkaMessage = Message<string | undefined, Buffer | undefined, string, string>;
type Stream = MessagesStream<string | undefined, Buffer | undefined, string, string>;
type Client = PlatformaticConsumer<string | undefined, Buffer | undefined, string, string>;

/** Delays between reopening attempts: exponential with decorrelated jitter, 200 ms up to 10 s. */
const reopenBackoff = new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 });
/** ListOffsets' timestamp for the earliest offset. */
const EARLIEST = -2n;

export class KafkaConsumer implements Consumer {
  readonly groupId: string;
  readonly #topics: string[];
  readonly #options: ConsumerOptions;
  #client: Client;
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
  #backoff: IBackoff<unknown> | undefined;
  /** Stream failures since the last successful fetch or join. */
  #failures = 0;
  #member = false;
  #lastHeartbeatAt: number | undefined;
  #lastFetchAt: number | undefined;
  #assignedAt: number | undefined;
  #lastError: string | undefined;

  constructor(settings: KafkaClientSettings, options: ConsumerOptions, logger: Logger) {
    this.groupId = options.groupId;
    this.#topics = [...options.topics];
    this.#options = options;
    this.#settings = settings;
    this.#logger = logger.child({ group: options.groupId });
    this.#client = this.#createClient();
  }

  #createClient(): Client {
    const settings = this.#settings;
    const options = this.#options;
    return new PlatformaticConsumer<string | undefined, Buffer | undefined, string, string>({
      clientId: options.clientId ?? settings.clientId,
      groupId: options.groupId,
      bootstrapBrokers: settings.brokers,
      ...clientSecurityOptions(settings.security),
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTime: settings.maxWaitTimeMs,
      maxBytesPerPartition: settings.fetchPartitionMaxBytes,
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

  /** Joins the group; a broker that cannot be reached yet is retried in the background, not an error. */
  async start(listener: ConsumerListener): Promise<void> {
    if (this.#closing) throw new TransportClosedError('consumer');
    this.#listener = listener;
    this.#bind(this.#client);
    try {
      await this.#open();
    } catch (error) {
      this.#failed(error);
    }
  }

  status(): ConsumerStatus {
    // Without a heartbeat for a session timeout the group has dropped this member, whatever the client thinks.
    const heartbeatAgeMs = this.#lastHeartbeatAt === undefined ? 0 : Date.now() - this.#lastHeartbeatAt;
    return {
      member: this.#member && heartbeatAgeMs <= this.#settings.sessionTimeoutMs,
      assigned: this.#assignment.length,
      paused: this.#paused,
      ...(this.#lastFetchAt === undefined ? {} : { lastFetchAt: this.#lastFetchAt }),
      // An assignment is a fresh start only while nothing has failed since the last successful fetch: a
      // consumer that rejoins after every failed fetch must not look healthy after each join.
      ...(this.#assignedAt === undefined || this.#failures > 0 ? {} : { assignedAt: this.#assignedAt }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  #bind(client: Client): void {
    const listener = this.#listener!;
    client.on('consumer:group:join', ({ assignments }) => {
      if (client !== this.#client) return;
      this.#assignment = (assignments ?? []).flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      );
      this.#member = true;
      this.#lastHeartbeatAt = Date.now();
      this.#assignedAt = Date.now();
      this.#lastError = undefined;
      if (!this.#closing) listener.onAssigned([...this.#assignment]);
    });
    client.on('consumer:group:rebalance', () => {
      if (client !== this.#client || this.#closing || this.#assignment.length === 0) return;
      listener.onRevoking([...this.#assignment]).catch(() => {});
    });
    // A member without partitions never fetches: its heartbeats show it is alive.
    client.on('consumer:heartbeat:end', () => {
      if (client !== this.#client) return;
      this.#lastHeartbeatAt = Date.now();
      if (this.#assignment.length === 0) this.#healthy();
    });
    // The client emits 'error' when rejoining the group after a failed heartbeat fails (e.g. a topic the
    // broker lost): without a listener that would end the process. It is a stream failure like any other.
    client.on('error', (error: unknown) => {
      if (client !== this.#client || this.#closing) return;
      const stream = this.#stream;
      this.#stream = undefined;
      stream?.close().catch(() => undefined);
      this.#failed(error);
    });
    client.on('consumer:heartbeat:error', (payload?: { error?: unknown }) => {
      if (client !== this.#client || this.#closing || this.#reopenTimer) return;
      const error = payload?.error ?? new Error('heartbeat failed');
      this.#lastError = rootCauseOf(error);
      // Past the session timeout the coordinator has expired this member; @platformatic/kafka 2.x may keep
      // asking a coordinator that is gone (it does not reset it on stale-metadata errors): start afresh.
      const sinceMs = Date.now() - (this.#lastHeartbeatAt ?? 0);
      if (sinceMs > this.#settings.sessionTimeoutMs) {
        const stream = this.#stream;
        this.#stream = undefined;
        stream?.close().catch(() => undefined);
        this.#failed(error, true);
      }
    });
  }

  #healthy(): void {
    this.#lastFetchAt = Date.now();
    this.#failures = 0;
    this.#backoff = undefined;
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
    let failure: unknown;
    stream.on('data', (message: KafkaMessage) => this.#buffer(message));
    // Emitted after every fetch, failed or not; a failed one destroys the stream right after.
    stream.on('fetch', () => {
      setImmediate(() => {
        if (!stream.destroyed && this.#stream === stream) this.#healthy();
      });
    });
    stream.on('error', (error: Error) => {
      failure = error;
    });
    stream.on('close', () => {
      if (this.#closing || this.#stream !== stream) return;
      this.#stream = undefined;
      this.#failed(failure ?? new Error('the consumer stream closed'));
    });
    if (this.#paused) stream.pause();
  }

  /** One log line per failure, then a reopen after a jittered delay (recreating what is missing first). */
  #failed(error: unknown, forceRecreate = false): void {
    if (this.#closing) return;
    this.#member = false;
    this.#failures += 1;
    this.#lastError = rootCauseOf(error);
    this.#listener?.onError(error instanceof Error ? error : new Error(String(error)));
    if (this.#reopenTimer) return;
    this.#backoff = (this.#backoff ?? reopenBackoff).next(undefined);
    const delayMs = Math.round(this.#backoff.duration);
    const missingTopics = isUnknownTopic(error);
    const recreate = forceRecreate || this.#failures % this.#settings.consumerRecreateAfterFailures === 0;
    const action = `${missingTopics ? 'creating missing topics, then ' : ''}${recreate ? 'recreating the consumer' : 'reopening'}`;
    this.#logger.warn(
      { error: errorSummary(error), failures: this.#failures, retryInMs: delayMs },
      `${this.#lastError}: consumer stream failed; ${action} in ${delayMs} ms`,
    );
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = undefined;
      if (this.#closing) return;
      this.#reopen(missingTopics, recreate).catch((reopenError: unknown) => this.#failed(reopenError));
    }, delayMs);
  }

  async #reopen(missingTopics: boolean, recreate: boolean): Promise<void> {
    if (missingTopics) await this.#listener?.onTopicsMissing?.();
    if (recreate) {
      const stale = this.#client;
      this.#client = this.#createClient();
      this.#bind(this.#client);
      stale.close(true).catch(() => undefined);
    }
    if (this.#closing) return;
    await this.#open();
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
    return (await this.#positions(partitions))
      .filter((p) => p.end > p.next)
      .map(({ topic, partition, end }) => ({ topic, partition, end }));
  }

  async lag(partitions: TopicPartition[]): Promise<PartitionLag[]> {
    return (await this.#positions(partitions)).map(({ topic, partition, end, next }) => ({
      topic,
      partition,
      lag: end > next ? end - next : 0n,
    }));
  }

  /** Each partition's end offset and the offset the group goes on from. */
  async #positions(partitions: TopicPartition[]): Promise<Array<PartitionEnd & { next: bigint }>> {
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
    const positions: Array<PartitionEnd & { next: bigint }> = [];
    for (const { topic, partition } of partitions) {
      const end = ends.get(topic)?.[partition];
      if (end === undefined) continue;
      // Without a committed offset the group starts at the earliest record still kept.
      const from = committed.get(topic)?.[partition] ?? -1n;
      const next = from >= 0n ? from : (starts.get(topic)?.[partition] ?? 0n);
      positions.push({ topic, partition, end, next });
    }
    return positions;
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
      this.#logger.warn({ error: errorSummary(error) }, `${rootCauseOf(error)}: closing the consumer failed`);
    }
  }
}
