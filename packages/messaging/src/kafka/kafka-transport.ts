// The transport on a Kafka broker (ours or Apache Kafka) through @platformatic/kafka.
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { errorSummary, rootCauseOf } from '@tributary/database';
import { type Logger, pino } from 'pino';
import { TransportClosedError } from '../errors.ts';
import type {
  Consumer,
  ConsumerOptions,
  Publisher,
  TopicSpec,
  Transport,
  TransportRecord,
} from '../ports/transport.ts';
import { KafkaConsumer } from './kafka-consumer.ts';
import { hasKafkaError, isUnknownTopic } from './kafka-errors.ts';
import { KafkaPublisher } from './kafka-publisher.ts';
import { clientSecurityOptions } from './kafka-security.ts';
import {
  type KafkaClientSettings,
  type KafkaTransportOptions,
  kafkaClientSettings,
} from './kafka-settings.ts';
import { readWholeTopic } from './topic-reader.ts';

export interface KafkaTransportConfig extends KafkaTransportOptions {
  logger?: Logger;
}

export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  readonly #settings: KafkaClientSettings;
  readonly #logger: Logger;
  readonly #baseLogger: Logger;
  readonly #closeables = new Set<{ close(): Promise<void> }>();
  #admin: Admin | undefined;
  #closed = false;

  constructor(config: KafkaTransportConfig) {
    this.#settings = kafkaClientSettings(config);
    this.#baseLogger = config.logger ?? pino({ level: 'silent' });
    this.#logger = this.#baseLogger.child({ component: 'kafka-transport' });
  }

  createPublisher(options: { clientId?: string } = {}): Publisher {
    this.#assertOpen();
    const publisher = new KafkaPublisher(
      this.#settings,
      options.clientId ?? `${this.#settings.clientId}-producer`,
    );
    return this.#track(publisher);
  }

  createConsumer(options: ConsumerOptions): Consumer {
    this.#assertOpen();
    const consumer = new KafkaConsumer(
      this.#settings,
      options,
      this.#baseLogger.child({ component: 'kafka-consumer' }),
    );
    this.#track({ close: () => consumer.abort() });
    return consumer;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const admin = this.#adminClient();
    for (const { topic, partitions, replicationFactor } of topics) {
      try {
        await admin.createTopics({
          topics: [topic],
          partitions,
          replicas: replicationFactor ?? this.#settings.replicationFactor,
        });
      } catch (err) {
        if (!hasKafkaError(err, 'TOPIC_ALREADY_EXISTS')) throw err;
      }
    }
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    try {
      const metadata = await this.#adminClient().metadata({ topics: [topic], forceUpdate: true });
      return metadata.topics.get(topic)?.partitionsCount;
    } catch (err) {
      if (isUnknownTopic(err)) return undefined;
      throw err;
    }
  }

  async readTopic(topic: string): Promise<TransportRecord[]> {
    this.#assertOpen();
    if ((await this.partitionCount(topic)) === undefined) return [];
    return readWholeTopic(this.#settings, topic, `tributary-reader-${randomUUID()}`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#closeables];
    if (this.#admin) all.push(this.#admin);
    await Promise.all(
      all.map((c) =>
        c
          .close()
          .catch((err: unknown) =>
            this.#logger.warn(
              { error: errorSummary(err) },
              `${rootCauseOf(err)}: closing a Kafka client failed`,
            ),
          ),
      ),
    );
  }

  #adminClient(): Admin {
    this.#assertOpen();
    this.#admin ??= new Admin({
      clientId: `${this.#settings.clientId}-admin`,
      bootstrapBrokers: this.#settings.brokers,
      ...clientSecurityOptions(this.#settings.security),
      timeout: this.#settings.requestTimeoutMs,
      connectTimeout: this.#settings.connectTimeoutMs,
      retries: this.#settings.clientRetries,
      retryDelay: this.#settings.clientRetryDelayMs,
    });
    return this.#admin;
  }

  #track<T extends { close(): Promise<void> }>(closeable: T): T {
    this.#closeables.add(closeable);
    return closeable;
  }

  #assertOpen(): void {
    if (this.#closed) throw new TransportClosedError('Kafka transport');
  }
}

export function createKafkaTransport(config: KafkaTransportConfig): KafkaTransport {
  return new KafkaTransport(config);
}
