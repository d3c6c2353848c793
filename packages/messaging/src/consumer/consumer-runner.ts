// Runs event handlers for a consumer group: records of a partition in order, partitions in parallel (up to
// `concurrency`), offsets committed only once a record's handler has resolved (or the record was moved to
// the retry/dead-letter topic), failures retried in place, then through the retry topic, then dead-lettered.
import { EventEmitter } from 'node:events';
import { errorSummary, isDatabaseUnavailable, rootCauseOf } from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../clock.ts';
import type { AnyEventDefinition } from '../contracts/define-event.ts';
import type { EventRegistry } from '../contracts/event-registry.ts';
import { MessagingArgumentError, TransportClosedError } from '../errors.ts';
import type {
  CommitOffset,
  Consumer,
  PartitionLag,
  Publisher,
  TopicPartition,
  Transport,
  TransportRecord,
} from '../ports/transport.ts';
import { EventPublisher } from '../producer/event-publisher.ts';
import type { PublishPolicyOptions } from '../producer/publish-policy.ts';
import { ParkedKeys, recordId } from '../retry/parked-keys.ts';
import { readRetryMetadata } from '../retry/retry-headers.ts';
import { RetryRouter } from '../retry/retry-router.ts';
import { deadLetterTopicOf, retryTopicOf } from '../retry/retry-topics.ts';
import {
  composeMiddleware,
  createInboundMessage,
  type InboundMessage,
  type MessageOutcome,
} from './message-pipeline.ts';
import { correlationMiddleware } from './middleware/correlation.ts';
import { deadLetterMiddleware } from './middleware/dead-letter.ts';
import { holdBackMiddleware } from './middleware/hold-back.ts';
import { loggingMiddleware } from './middleware/logging.ts';
import { type InPlaceRetryOptions, retryMiddleware } from './middleware/retry.ts';
import { tracingMiddleware } from './middleware/tracing.ts';
import { validationMiddleware } from './middleware/validation.ts';
import { OffsetCommitter } from './offset-committer.ts';
import { PartitionScheduler, partitionKey } from './partition-scheduler.ts';
import { type EventHandler, type HandlerContext, Subscriptions } from './subscriptions.ts';

export type { ConsumedEvent, EventHandler, HandlerContext } from './subscriptions.ts';

export interface ConsumerRunnerOptions {
  transport: Transport;
  group: string;
  registry: EventRegistry;
  clock?: Clock;
  logger?: Logger;
  clientId?: string;
  /** Partitions handled at the same time (default 8). */
  concurrency?: number;
  /** Records buffered before the consumer is paused (default 1000). */
  maxQueued?: number;
  /** Partitions of topics this runner has to create (default 3). */
  defaultPartitions?: number;
  /**
   * Whether the runner creates a subscribed topic that does not exist (default true). A service that
   * consumes another service's topic says false: that topic's partitions and replication are its
   * publisher's to decide, so the runner waits until it exists (its retry and dead-letter topics, which
   * follow the source's partitions, are created then).
   */
  createSourceTopics?: boolean;
  /** Replication factor of the topics it creates (default: the transport's, on Kafka the cluster default). */
  replicationFactor?: number;
  /** Without a successful fetch for this long, an assigned, unpaused runner reports unhealthy (default 15 s). */
  staleFetchMs?: number;
  retry?: {
    inPlace?: InPlaceRetryOptions;
    /** Delay before each round in the retry topic (default 1 s, 10 s, 60 s); then the dead-letter topic. */
    delaysMs?: number[];
  };
  /** Publisher for the retry and dead-letter topics (default: one from the transport). */
  publisher?: Publisher;
  /** Resilience of that publisher. */
  publishPolicy?: PublishPolicyOptions;
}

export interface RecordReport {
  outcome: MessageOutcome;
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  eventId: string | undefined;
  eventType: string | undefined;
  error?: unknown;
}

export interface ConsumerRunnerEvents {
  record: [report: RecordReport];
  committed: [offsets: CommitOffset[]];
  assigned: [partitions: TopicPartition[]];
  /** A failure the runner keeps retrying (transport down, commit refused...). */
  failure: [error: unknown];
}

type RunnerState = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * Pauses between attempts at a record whose failure is not the handler's (the transport or the database is
 * down): exponential with jitter, up to 2 s, so the partition resumes soon after the dependency is back.
 */
const infrastructureBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 });
/** Pauses between attempts to create the topics the runner needs (broker down or refusing). */
const topicsBackoff = new ExponentialBackoff({ initialDelay: 200, maxDelay: 10_000 });
/** Longest a partition waits for its retry partition's backlog before it runs anyway. */
const CATCH_UP_TIMEOUT_MS = 10_000;

/** A subscribed topic the runner does not create is not there (yet). */
class SourceTopicMissing extends Error {
  readonly topic: string;
  constructor(topic: string) {
    super(`topic ${topic} does not exist`);
    this.name = 'SourceTopicMissing';
    this.topic = topic;
  }
}

/** A retry partition new to this member, read up to `end` before its source partition may run. */
interface CatchUp {
  source: TopicPartition;
  /** Unknown until the backlog was measured. */
  end: bigint | undefined;
  /**
   * The safety net after which the partition runs anyway. Real time, not the runner's clock: a test that
   * moves its clock past a retry delay must not also fire this.
   */
  timer: NodeJS.Timeout;
}

export class ConsumerRunner extends EventEmitter<ConsumerRunnerEvents> {
  readonly group: string;
  readonly #options: ConsumerRunnerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** A subscribed topic the runner does not create and is waiting for. */
  #awaitedTopic: string | undefined;
  readonly #baseLogger: Logger;
  readonly #subscriptions: Subscriptions;
  readonly #stopping = new AbortController();
  readonly #assigned = new Set<string>();
  readonly #nextOffset = new Map<string, bigint>();
  readonly #retryTopics = new Map<string, string>();
  readonly #catchingUp = new Map<string, CatchUp>();
  #state: RunnerState = 'idle';
  #consumer: Consumer | undefined;
  #committer: OffsetCommitter | undefined;
  #scheduler: PartitionScheduler | undefined;
  #publisher: EventPublisher | undefined;
  #parked = new ParkedKeys();
  #pipeline: ((message: InboundMessage) => Promise<void>) | undefined;
  #paused = false;
  /** The consumer has been started (start() may still be waiting for the broker to create topics). */
  #consuming = false;

  constructor(options: ConsumerRunnerOptions) {
    super();
    if (!options.group) throw new MessagingArgumentError('a consumer runner needs a group');
    const delays = options.retry?.delaysMs ?? [1_000, 10_000, 60_000];
    if (!delays.every((d) => Number.isFinite(d) && d >= 0)) {
      throw new MessagingArgumentError('retry delays must be non-negative numbers');
    }
    this.#options = { ...options, retry: { ...options.retry, delaysMs: delays } };
    this.group = options.group;
    this.#subscriptions = new Subscriptions(options.group, options.registry);
    this.#clock = options.clock ?? systemClock;
    this.#baseLogger = options.logger ?? pino({ level: 'silent' });
    this.#logger = this.#baseLogger.child({
      component: 'consumer-runner',
      group: options.group,
    });
  }

  get state(): RunnerState {
    return this.#state;
  }

  /**
   * Whether events are being consumed: running, a current member of the group, and (with partitions
   * assigned and not paused for backpressure) a fetch succeeded within `staleFetchMs`.
   */
  /** Records past the group's committed offset, per assigned partition (retry partitions included). */
  lag(): Promise<PartitionLag[]> {
    if (this.#state !== 'running' || this.#consumer === undefined) return Promise.resolve([]);
    const partitions = [...this.#assigned].map((key) => {
      const [topic, partition] = key.split('\u0000');
      return { topic: topic!, partition: Number(partition) };
    });
    return this.#consumer.lag(partitions);
  }

  health(): { ok: boolean; detail?: string } {
    if (this.#state !== 'running') return { ok: false, detail: `consumer runner is ${this.#state}` };
    if (!this.#consuming)
      return {
        ok: false,
        detail:
          this.#awaitedTopic === undefined
            ? 'waiting for the broker to create the topics'
            : `waiting for topic ${this.#awaitedTopic}, which its publisher creates`,
      };
    const status = this.#consumer?.status?.();
    if (status === undefined) return { ok: true };
    const cause = status.lastError === undefined ? '' : ` (${status.lastError})`;
    if (!status.member) return { ok: false, detail: `not a member of group ${this.group}${cause}` };
    if (status.paused || status.assigned === 0) return { ok: true };
    const staleMs = this.#options.staleFetchMs ?? 15_000;
    // Stale means no fetch has succeeded for `staleMs`, counted from the latest assignment when that is
    // later: a member that was just given its partitions is ready while its first long-poll waits.
    const since = Math.max(
      status.lastFetchAt ?? Number.NEGATIVE_INFINITY,
      status.assignedAt ?? Number.NEGATIVE_INFINITY,
    );
    const sinceMs = since === Number.NEGATIVE_INFINITY ? undefined : this.#clock.now() - since;
    if (sinceMs === undefined || sinceMs > staleMs) {
      const what = status.lastFetchAt === undefined ? 'no successful fetch yet' : 'no successful fetch';
      return {
        ok: false,
        detail: `${what}${sinceMs === undefined ? '' : ` for ${Math.round(sinceMs / 1000)} s`}${cause}`,
      };
    }
    return { ok: true };
  }

  /** Records received and waiting to be handled (a gauge for metrics). */
  get queued(): number {
    return this.#scheduler?.queued ?? 0;
  }

  /**
   * Handles events of `definition.type` with `handler`, which gets the payload validated and typed as
   * `definition`: events published under older versions arrive upcast to it, newer ones are dead-lettered.
   */
  subscribe<D extends AnyEventDefinition>(definition: D, handler: EventHandler<D>): this {
    if (this.#state !== 'idle') throw new MessagingArgumentError('subscribe before start()');
    this.#subscriptions.add(definition, handler);
    return this;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new MessagingArgumentError('a runner starts once');
    if (this.#subscriptions.size === 0)
      throw new MessagingArgumentError('subscribe a handler before start()');
    this.#state = 'running';
    try {
      await this.#open();
    } catch (err) {
      // Whatever was opened is closed again; the runner cannot be started twice.
      await this.abort();
      throw err;
    }
  }

  async #open(): Promise<void> {
    const { transport } = this.#options;
    const topics = this.#subscriptions.topics();
    await this.#ensureTopicsPatiently(topics);
    for (const topic of topics) this.#retryTopics.set(retryTopicOf(topic, this.group), topic);

    this.#publisher = new EventPublisher({
      ...(this.#options.publisher ? { publisher: this.#options.publisher } : { transport }),
      resilience: this.#options.publishPolicy,
      logger: this.#baseLogger,
    });
    const router = new RetryRouter({
      group: this.group,
      clock: this.#clock,
      delaysMs: this.#options.retry!.delaysMs!,
      publish: (m) => this.#publisher!.publishRaw(m),
    });
    const subscriptions = this.#subscriptions.definitionsByType();
    this.#pipeline = composeMiddleware(
      [
        tracingMiddleware(),
        correlationMiddleware(),
        loggingMiddleware(this.#logger),
        holdBackMiddleware(router, this.#parked),
        deadLetterMiddleware(router),
        validationMiddleware({ registry: this.#options.registry, subscriptions }),
        retryMiddleware(this.#options.retry?.inPlace),
      ],
      (message) => this.#dispatch(message),
    );

    const consumer = transport.createConsumer({
      groupId: this.group,
      topics: [...topics, ...this.#retryTopics.keys()],
      clientId: this.#options.clientId ?? this.group,
    });
    this.#consumer = consumer;
    this.#committer = new OffsetCommitter(
      consumer,
      this.#logger,
      (offsets) => this.emit('committed', offsets),
      this.#clock,
    );
    this.#scheduler = new PartitionScheduler({
      concurrency: Math.max(1, this.#options.concurrency ?? 8),
      clock: this.#clock,
      dueAt: (record) => (this.#retryTopics.has(record.topic) ? readRetryMetadata(record)?.dueAt : undefined),
      run: (record) => this.#run(record),
      onDone: (record) => this.#done(record),
    });
    await consumer.start({
      onRecords: (records) => this.#receive(records),
      onAssigned: (partitions) => this.#assign(partitions),
      onRevoking: (partitions) => this.#revoking(partitions),
      // The transport logs each failure once; the runner only reports it.
      onError: (error) => this.emit('failure', error),
      onTopicsMissing: () => this.#ensureTopics(topics),
    });
    this.#consuming = true;
    this.#logger.info({ topics, handlers: this.#subscriptions.ceTypes() }, 'consumer runner started');
  }

  /** Resolves when every record received so far has been handled (tests, draining). */
  idle(): Promise<void> {
    return this.#scheduler?.idle() ?? Promise.resolve();
  }

  /** Finishes the records being handled, commits, and leaves the group. Queued records are left for later. */
  async stop(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    this.#consumer?.pause();
    this.#stopping.abort(new TransportClosedError('consumer runner'));
    await this.#scheduler?.stop();
    try {
      await this.#committer?.flush();
    } catch (err) {
      this.#logger.warn({ err }, 'final commit failed; uncommitted records will be delivered again');
    }
    this.#committer?.close();
    for (const key of [...this.#catchingUp.keys()]) this.#endCatchUp(key);
    await this.#consumer?.close();
    await this.#publisher?.close();
    this.#state = 'stopped';
    this.#logger.info('consumer runner stopped');
  }

  /** Stops at once without committing anything, as a crash would (tests of redelivery). */
  async abort(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#stopping.abort(new TransportClosedError('consumer runner'));
    this.#committer?.close();
    for (const key of [...this.#catchingUp.keys()]) this.#endCatchUp(key);
    void this.#scheduler?.stop();
    await this.#consumer?.abort();
    await this.#publisher?.close();
  }

  /** Creates the topics, retrying with backoff until it works or the runner stops (then it throws). */
  async #ensureTopicsPatiently(topics: string[]): Promise<void> {
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.#stopping.signal.aborted) throw new TransportClosedError('consumer runner');
      try {
        await this.#ensureTopics(topics);
        this.#awaitedTopic = undefined;
        return;
      } catch (err) {
        if (this.#stopping.signal.aborted) throw new TransportClosedError('consumer runner');
        backoff = (backoff ?? topicsBackoff).next(undefined);
        const delayMs = Math.round(backoff.duration);
        if (err instanceof SourceTopicMissing) {
          this.#awaitedTopic = err.topic;
          this.#logger.info(
            { topic: err.topic, attempt, retryInMs: delayMs },
            `waiting for topic ${err.topic}, which its publisher creates; looking again in ${delayMs} ms`,
          );
          await this.#clock.sleep(delayMs, this.#stopping.signal).catch(() => undefined);
          continue;
        }
        this.#logger.warn(
          { error: errorSummary(err), attempt, retryInMs: delayMs },
          `${rootCauseOf(err)}: cannot create the topics; trying again in ${delayMs} ms`,
        );
        this.emit('failure', err);
        await this.#clock.sleep(delayMs, this.#stopping.signal).catch(() => undefined);
      }
    }
  }

  /** The subscribed topics and this group's retry and dead-letter topics, created where missing. */
  async #ensureTopics(topics: string[]): Promise<void> {
    const { transport, replicationFactor } = this.#options;
    const defaultPartitions = this.#options.defaultPartitions ?? 3;
    const spec = (topic: string, partitions: number) =>
      replicationFactor === undefined ? { topic, partitions } : { topic, partitions, replicationFactor };
    const createSources = this.#options.createSourceTopics ?? true;
    if (createSources) await transport.ensureTopics(topics.map((topic) => spec(topic, defaultPartitions)));
    for (const topic of topics) {
      const counted = await transport.partitionCount(topic);
      if (counted === undefined && !createSources) throw new SourceTopicMissing(topic);
      const partitions = counted ?? defaultPartitions;
      // Same partition count as the source: a key lands on the same partition number in all three.
      await transport.ensureTopics([
        spec(retryTopicOf(topic, this.group), partitions),
        spec(deadLetterTopicOf(topic, this.group), partitions),
      ]);
    }
  }

  #receive(records: TransportRecord[]): void {
    if (this.#state !== 'running') return;
    const accepted: TransportRecord[] = [];
    const caughtUp: string[] = [];
    for (const record of records) {
      const key = partitionKey(record.topic, record.partition);
      if (!this.#assigned.has(key)) continue;
      // After a rebalance or a reconnect the transport may deliver again what is already queued.
      const next = this.#nextOffset.get(key);
      if (next !== undefined && record.offset < next) continue;
      this.#nextOffset.set(key, record.offset + 1n);
      accepted.push(record);
      if (this.#catchingUp.size > 0) {
        const end = this.#catchingUp.get(key)?.end;
        if (end !== undefined && record.offset + 1n >= end) caughtUp.push(key);
      }
      // A record waiting in the retry topic holds its key back, also when this process did not put it
      // there (it restarted, or took the partition over): newer records of the key must not overtake it.
      const retry = this.#retryTopics.has(record.topic) ? readRetryMetadata(record) : undefined;
      if (retry && record.key !== null) {
        this.#parked.holdIfAbsent(
          retry.origin.topic,
          record.key,
          retry.origin.partition,
          recordId(retry.origin),
        );
      }
    }
    for (const record of accepted) this.#scheduler!.enqueue(record);
    // After the records are queued (and their keys parked), so the source partition finds them in place.
    for (const key of caughtUp) this.#caughtUp(key);
    const maxQueued = this.#options.maxQueued ?? 1_000;
    // Not while a retry backlog is read: pausing would also stop the records being waited for.
    if (!this.#paused && this.#catchingUp.size === 0 && this.#scheduler!.queued >= maxQueued) {
      this.#paused = true;
      this.#consumer!.pause();
    }
  }

  #assign(partitions: TopicPartition[]): void {
    const now = new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)));
    const revoked: TopicPartition[] = [];
    for (const key of this.#assigned) {
      if (now.has(key)) continue;
      const [topic, partition] = key.split('\u0000');
      revoked.push({ topic, partition: Number(partition) });
    }
    this.#scheduler?.drop(revoked);
    this.#committer?.forget(revoked);
    for (const tp of revoked) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#nextOffset.delete(key);
      this.#parked.forget(this.#retryTopics.get(tp.topic) ?? tp.topic, tp.partition);
      this.#endCatchUp(key);
    }
    const previously = new Set(this.#assigned);
    this.#assigned.clear();
    for (const key of now) this.#assigned.add(key);
    // A retry partition new to this member may hold records whose keys must hold back newer records of the
    // source partition: that partition waits until the retry backlog has arrived (and parked its keys).
    const catchUp: TopicPartition[] = [];
    for (const tp of partitions) {
      const source = this.#retryTopics.get(tp.topic);
      const key = partitionKey(tp.topic, tp.partition);
      if (source === undefined || previously.has(key) || this.#catchingUp.has(key)) continue;
      if (!now.has(partitionKey(source, tp.partition))) continue;
      const timer = setTimeout(() => this.#caughtUp(key, 'timeout'), CATCH_UP_TIMEOUT_MS);
      timer.unref();
      this.#catchingUp.set(key, {
        source: { topic: source, partition: tp.partition },
        end: undefined,
        timer,
      });
      catchUp.push(tp);
    }
    const waiting = [...this.#catchingUp.values()].map((c) => c.source);
    const waitingKeys = new Set(waiting.map((tp) => partitionKey(tp.topic, tp.partition)));
    this.#scheduler?.freeze(waiting);
    this.#scheduler?.thaw(partitions.filter((tp) => !waitingKeys.has(partitionKey(tp.topic, tp.partition))));
    if (catchUp.length > 0) void this.#measureBacklog(catchUp);
    this.#logger.info({ partitions: partitions.map((tp) => `${tp.topic}[${tp.partition}]`) }, 'assigned');
    this.emit('assigned', partitions);
  }

  async #measureBacklog(partitions: TopicPartition[]): Promise<void> {
    const entries = new Map(
      partitions.map((tp) => {
        const key = partitionKey(tp.topic, tp.partition);
        return [key, this.#catchingUp.get(key)];
      }),
    );
    let ends: Map<string, bigint>;
    try {
      const backlog = await this.#consumer!.backlog(partitions);
      ends = new Map(backlog.map((b) => [partitionKey(b.topic, b.partition), b.end]));
    } catch (err) {
      this.#logger.warn({ err }, 'could not measure the retry backlog; its keys are not waited for');
      for (const key of entries.keys()) this.#caughtUp(key);
      return;
    }
    for (const [key, entry] of entries) {
      // Revoked (or revoked and assigned again) meanwhile: that assignment measures its own backlog.
      if (!entry || this.#catchingUp.get(key) !== entry) continue;
      const end = ends.get(key);
      const next = this.#nextOffset.get(key);
      if (end === undefined || (next !== undefined && next >= end)) this.#caughtUp(key);
      else entry.end = end;
    }
  }

  /** The retry backlog has arrived (or waiting for it took too long): its source partition runs. */
  #caughtUp(key: string, reason?: 'timeout'): void {
    const entry = this.#catchingUp.get(key);
    if (!entry) return;
    this.#endCatchUp(key);
    if (reason === 'timeout') {
      this.#logger.warn(
        { partition: `${entry.source.topic}[${entry.source.partition}]`, timeoutMs: CATCH_UP_TIMEOUT_MS },
        'the retry backlog did not arrive in time; the partition runs without waiting for it',
      );
    }
    if (this.#state === 'running' && this.#owns(entry.source)) this.#scheduler?.thaw([entry.source]);
  }

  #endCatchUp(key: string): void {
    const entry = this.#catchingUp.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#catchingUp.delete(key);
  }

  async #revoking(partitions: TopicPartition[]): Promise<void> {
    if (!this.#scheduler || !this.#committer) return;
    this.#scheduler.freeze(partitions);
    await this.#scheduler.settle(partitions);
    try {
      await this.#committer.flush();
    } catch {
      // Logged by the committer; what is not committed is delivered again (the inbox drops duplicates).
    }
  }

  #owns(tp: TopicPartition): boolean {
    return this.#assigned.has(partitionKey(tp.topic, tp.partition));
  }

  async #run(record: TransportRecord): Promise<boolean> {
    const signal = this.#stopping.signal;
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted || !this.#owns(record)) return false;
      const retry = this.#retryTopics.has(record.topic) ? readRetryMetadata(record) : undefined;
      const message = createInboundMessage({
        record,
        group: this.group,
        origin: retry?.origin ?? { topic: record.topic, partition: record.partition, offset: record.offset },
        retry,
        signal,
        logger: this.#logger,
      });
      try {
        await this.#pipeline!(message);
      } catch (err) {
        if (signal.aborted) return false;
        // The database is down, or moving the record aside failed too (transport down): nothing is lost,
        // the partition waits and tries the record again.
        this.emit('failure', err);
        backoff = (backoff ?? infrastructureBackoff).next(undefined);
        const delayMs = Math.round(backoff.duration);
        message.logger.warn(
          { error: errorSummary(err), attempt: attempt + 1, retryInMs: delayMs },
          `${rootCauseOf(err)}: ${isDatabaseUnavailable(err) ? 'database unavailable' : 'cannot move the record aside'}; trying the record again in ${delayMs} ms`,
        );
        try {
          await this.#clock.sleep(delayMs, signal);
        } catch {
          return false;
        }
        continue;
      }
      if (this.listenerCount('record') === 0) return true;
      this.emit('record', {
        outcome: message.outcome ?? 'handled',
        topic: message.origin.topic,
        partition: message.origin.partition,
        offset: message.origin.offset,
        key: record.key,
        eventId: record.headers.ce_id,
        eventType: record.headers.ce_type,
        error: message.error,
      });
      return true;
    }
  }

  #done(record: TransportRecord): void {
    if (this.#state === 'stopped' || !this.#owns(record)) return;
    this.#committer!.markDone(record, record.offset + 1n);
    const maxQueued = this.#options.maxQueued ?? 1_000;
    if (this.#paused && this.#scheduler!.queued < maxQueued / 2) {
      this.#paused = false;
      this.#consumer!.resume();
    }
  }

  #dispatch(message: InboundMessage): Promise<void> {
    return this.#subscriptions.dispatch(message, new RecordHandlerContext(message));
  }
}

/** What a handler gets besides the event; the record's logger is made when the handler first logs. */
class RecordHandlerContext implements HandlerContext {
  readonly #message: InboundMessage;

  constructor(message: InboundMessage) {
    this.#message = message;
  }

  get logger(): Logger {
    return this.#message.logger;
  }

  get signal(): AbortSignal {
    return this.#message.signal;
  }

  get group(): string {
    return this.#message.group;
  }

  get record(): TransportRecord {
    return this.#message.record;
  }
}

export function createConsumerRunner(options: ConsumerRunnerOptions): ConsumerRunner {
  return new ConsumerRunner(options);
}
