// The outbox relay wired as the services wire it (order-service's server.ts): Kafka transport, EventPublisher
// with its retries and circuit breaker, relay on top; shared by the integration tests and their relay process.

import type { Database } from '@tributary/database';
import type { Logger } from 'pino';
import type { KafkaTransportOptions } from '../../src/kafka/kafka-settings.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/kafka/kafka-transport.ts';
import type { OutboxPublisher } from '../../src/outbox/outbox-publisher.ts';
import {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayOptions,
} from '../../src/outbox/outbox-relay.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import type { PublishPolicyOptions } from '../../src/producer/publish-policy.ts';

export interface KafkaRelayOptions {
  db: Database;
  brokers: string[];
  logger?: Logger;
  kafka?: Omit<KafkaTransportOptions, 'brokers'>;
  resilience?: PublishPolicyOptions;
  relay?: Omit<OutboxRelayOptions, 'db' | 'publisher' | 'logger'>;
  /** Puts something between the relay and the EventPublisher (the crash fixture's freeze). */
  wrap?: (publisher: OutboxPublisher) => OutboxPublisher;
}

export interface KafkaRelay {
  transport: KafkaTransport;
  publisher: EventPublisher;
  relay: OutboxRelay;
  /** Stops the relay, then closes the publisher and the transport. */
  close(): Promise<void>;
}

export function createKafkaRelay(options: KafkaRelayOptions): KafkaRelay {
  const { db, logger } = options;
  const transport = createKafkaTransport({
    clientId: 'integration-relay',
    ...options.kafka,
    brokers: options.brokers,
    logger,
  });
  const publisher = new EventPublisher({
    transport,
    source: '/integration-test',
    resilience: options.resilience,
    logger,
  });
  const relay = createOutboxRelay({
    ...options.relay,
    db,
    publisher: options.wrap ? options.wrap(publisher) : publisher,
    logger,
  });
  return {
    transport,
    publisher,
    relay,
    async close() {
      await relay.stop();
      await publisher.close();
      await transport.close();
    },
  };
}

/** `relay.flushed()`, failing after `timeoutMs` instead of waiting for ever on a row that keeps failing. */
export async function flushedWithin(relay: OutboxRelay, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the outbox was not flushed within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([relay.flushed(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
