// Raw publisher on an idempotent @platformatic/kafka producer (acks=all; the broker drops batches the
// producer resends after a lost acknowledgement).
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import { TransportClosedError, TransportUnavailableError } from '../errors.ts';
import type { Publisher, RawMessage } from '../ports/transport.ts';
import type { KafkaClientSettings } from './kafka-settings.ts';

export class KafkaPublisher implements Publisher {
  readonly #producer: Producer<string, Buffer, string, string>;
  #closed = false;

  constructor(settings: KafkaClientSettings, clientId: string) {
    this.#producer = new Producer({
      clientId,
      bootstrapBrokers: settings.brokers,
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

  async publishRaw(message: RawMessage): Promise<void> {
    if (this.#closed) throw new TransportClosedError('publisher');
    try {
      await this.#producer.send({
        messages: [
          {
            topic: message.topic,
            key: message.key ?? undefined,
            value: message.value ?? undefined,
            headers: message.headers,
          },
        ],
      });
    } catch (err) {
      throw new TransportUnavailableError(
        `publishing to ${message.topic} failed: ${(err as Error).message}`,
        err,
      );
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#producer.close(true);
  }
}
