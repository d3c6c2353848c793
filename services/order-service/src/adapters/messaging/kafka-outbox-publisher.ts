// Publishes outbox rows to Kafka with an idempotent producer (acks=-1), and tells readiness whether the
// last attempt reached the broker.
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { OutboxPublisher, OutboxRawMessage } from '@tributary/messaging';

export class KafkaOutboxPublisher implements OutboxPublisher {
  readonly #producer: Producer<string, string, string, string>;
  #healthy = true;
  #lastError: string | undefined;

  constructor(options: { clientId: string; brokers: string[] }) {
    this.#producer = new Producer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
      autocreateTopics: true,
      retries: 3,
    });
  }

  async publishRaw(message: OutboxRawMessage): Promise<void> {
    try {
      await this.#producer.send({
        messages: [
          {
            topic: message.topic,
            key: message.key,
            value: message.value.toString('utf8'),
            headers: message.headers,
          },
        ],
      });
      this.#healthy = true;
    } catch (err) {
      this.#healthy = false;
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  /** Readiness: a metadata round trip proves the producer can reach the broker. */
  async check(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.#producer.metadata({ topics: [] });
      return this.#healthy ? { ok: true } : { ok: false, detail: `last publish failed: ${this.#lastError}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  close(): Promise<void> {
    return this.#producer.close();
  }
}
