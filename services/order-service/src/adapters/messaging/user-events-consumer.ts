// Consumes the users topic in the consumer group `order-service`: each record is applied through the inbox
// (exactly-once effects) and its offset committed only after that transaction committed.
import { Consumer, type Message, stringDeserializers } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { UserEvent } from '../../application/user-events.ts';

type StringMessage = Message<string, string, string, string>;

export interface UserEventsConsumerOptions {
  brokers: string[];
  logger: Logger;
  apply: (event: UserEvent) => Promise<unknown>;
  /** Attempts per record before it is logged and skipped (an invalid record never succeeds). */
  maxAttempts?: number;
}

export const USERS_TOPIC = 'users';

function toEvent(message: StringMessage): UserEvent | string {
  const id = message.headers.get('ce_id');
  const ceType = message.headers.get('ce_type');
  if (!id || !ceType) return 'missing ce_id or ce_type header';
  let payload: unknown;
  try {
    payload = JSON.parse(message.value);
  } catch {
    return 'value is not JSON';
  }
  return {
    id,
    ceType,
    payload,
    correlationId: message.headers.get('correlation-id') ?? id,
    traceparent: message.headers.get('traceparent'),
  };
}

export class UserEventsConsumer {
  readonly #consumer: Consumer<string, string, string, string>;
  readonly #options: UserEventsConsumerOptions;
  #stream: (AsyncIterable<StringMessage> & { close(): Promise<void> }) | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;

  constructor(options: UserEventsConsumerOptions) {
    this.#options = options;
    this.#consumer = new Consumer({
      clientId: 'order-service',
      groupId: 'order-service',
      bootstrapBrokers: options.brokers,
      deserializers: stringDeserializers,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
      autocreateTopics: true,
    });
  }

  async start(): Promise<void> {
    this.#stream = (await this.#consumer.consume({
      topics: [USERS_TOPIC],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 500,
    })) as unknown as AsyncIterable<StringMessage> & { close(): Promise<void> };
    const stream = this.#stream;
    this.#loop = (async () => {
      for await (const message of stream) {
        if (this.#stopping) break;
        await this.#handle(message);
      }
    })().catch((err: unknown) => {
      if (!this.#stopping) this.#options.logger.error({ err }, 'users consumer stopped');
    });
  }

  /** True once the consumer is a member of its group with an assignment. */
  isJoined(): boolean {
    return (this.#consumer.assignments?.length ?? 0) > 0;
  }

  async #handle(message: StringMessage): Promise<void> {
    const log = this.#options.logger.child({
      topic: message.topic,
      partition: message.partition,
      offset: String(message.offset),
    });
    const event = toEvent(message);
    if (typeof event === 'string') {
      log.error({ reason: event }, 'skipping an undecodable record on the users topic');
    } else {
      const attempts = this.#options.maxAttempts ?? 5;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#options.apply(event);
          break;
        } catch (err) {
          const retriable = (err as { retriable?: boolean }).retriable !== false;
          if (!retriable || attempt >= attempts || this.#stopping) {
            log.error({ err, attempt, correlationId: event.correlationId }, 'giving up on a user event');
            break;
          }
          log.warn({ err, attempt, correlationId: event.correlationId }, 'user event failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
        }
      }
    }
    await message.commit();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#stream?.close();
    await this.#loop;
    await this.#consumer.close();
  }
}
