// Raw publisher on an idempotent @platformatic/kafka producer (acks=all; the broker drops batches the
// producer resends after a lost acknowledgement).
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import { TransportClosedError, TransportUnavailableError } from '../errors.ts';
import type { Publisher, RawMessage } from '../ports/transport.ts';
import { clientSecurityOptions } from './kafka-security.ts';
import type { KafkaClientSettings } from './kafka-settings.ts';

/** Messages sent in one produce request at most, and their bytes (the broker's default limit is 1 MiB). */
const MAX_BATCH_MESSAGES = 500;
const MAX_BATCH_BYTES = 512 * 1024;

interface Queued {
  message: RawMessage;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class KafkaPublisher implements Publisher {
  readonly #producer: Producer<string, Buffer, string, string>;
  /** Published while a request is in flight: they go together in the next one. */
  #queue: Queued[] = [];
  #sending = false;
  #closed = false;

  constructor(settings: KafkaClientSettings, clientId: string) {
    this.#producer = new Producer({
      clientId,
      bootstrapBrokers: settings.brokers,
      ...clientSecurityOptions(settings.security),
      idempotent: true,
      // The client would otherwise ask InitProducerId for id 0 / epoch 0, which a broker may read as a
      // re-initialisation of producer 0 (KIP-360) and hand the same id to every producer; -1 asks for a
      // new id, as Kafka's Java client does.
      producerId: -1n,
      producerEpoch: -1,
      acks: ProduceAcks.ALL,
      autocreateTopics: true,
      timeout: settings.requestTimeoutMs,
      connectTimeout: settings.connectTimeoutMs,
      // An idempotent producer of the client turns `retries` of 0 or 1 into "retry for ever": a send to an
      // unreachable broker would never settle, and land whenever the broker is back, long after the caller
      // gave up on it (a duplicate). `false` is no retry; 1 cannot be said, 2 is the nearest bound.
      retries: settings.clientRetries === 0 ? false : Math.max(2, settings.clientRetries),
      retryDelay: settings.clientRetryDelayMs,
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  /**
   * The idempotent producer of the client has one request in flight at a time, so publishes made meanwhile
   * wait and then travel together in one produce request (Kafka's own producer batches the same way);
   * messages of one caller keep their order. A failed request fails every publish it carried.
   */
  publishRaw(message: RawMessage, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportClosedError('publisher'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const queued: Queued = { message, resolve, reject };
      this.#queue.push(queued);
      // Given up on while still waiting here: it leaves the queue and is never sent.
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#queue.indexOf(queued);
          if (index === -1) return;
          this.#queue.splice(index, 1);
          reject(signal.reason);
        },
        { once: true },
      );
      if (!this.#sending) {
        this.#sending = true;
        // Publishes started in the same turn of the event loop join the first request.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#takeBatch();
      try {
        await this.#producer.send({
          messages: batch.map(({ message }) => ({
            topic: message.topic,
            key: message.key ?? undefined,
            value: message.value ?? undefined,
            headers: message.headers,
          })),
        });
        for (const queued of batch) queued.resolve();
      } catch (err) {
        const topics = [...new Set(batch.map(({ message }) => message.topic))].join(', ');
        const error = new TransportUnavailableError(
          `publishing to ${topics} failed: ${(err as Error).message}`,
          err,
        );
        for (const queued of batch) queued.reject(error);
      }
    }
    this.#sending = false;
  }

  #takeBatch(): Queued[] {
    let bytes = 0;
    let count = 0;
    while (count < this.#queue.length && count < MAX_BATCH_MESSAGES) {
      const { message } = this.#queue[count];
      bytes += (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64;
      if (count > 0 && bytes > MAX_BATCH_BYTES) break;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.reject(new TransportClosedError('publisher'));
    await this.#producer.close(true);
  }
}
