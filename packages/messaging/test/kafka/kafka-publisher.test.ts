// The Kafka publisher against a stopped broker: a publish fails within its client retries instead of waiting
// for the broker for ever, and a failed publish does not land later when the broker is back.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { MessagingError } from '../../src/errors.ts';
import { createKafkaTransport } from '../../src/kafka/kafka-transport.ts';
import type { RawMessage } from '../../src/ports/transport.ts';

const logger = pino({ level: 'silent' });
const topic = 'publisher-outage';

function message(value: string): RawMessage {
  return { topic, key: 'k', value: Buffer.from(value), headers: {} };
}

it('rejects a publish while the broker is down, and nothing of it lands once the broker is back', {
  timeout: 30_000,
}, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-publisher-'));
  let broker: Broker | undefined = await startBroker({ port: 0, dataDir, logger });
  const { port } = broker;
  // The default of one client retry, and none.
  const transports = [1, 0].map((clientRetries) =>
    createKafkaTransport({
      brokers: [broker!.address],
      clientId: `publisher-retries-${clientRetries}`,
      connectTimeoutMs: 300,
      clientRetries,
      clientRetryDelayMs: 50,
    }),
  );
  t.after(async () => {
    for (const transport of transports) await transport.close();
    await broker?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  await transports[0]!.ensureTopics([{ topic, partitions: 1 }]);
  const publishers = transports.map((transport) => transport.createPublisher());
  for (const publisher of publishers) await publisher.publishRaw(message('before'));

  await broker.stop();
  broker = undefined;
  for (const publisher of publishers) {
    const started = performance.now();
    const outcome = await Promise.race([
      publisher.publishRaw(message('during')).then(
        () => 'published',
        (err: unknown) => (err instanceof MessagingError ? err.code : String(err)),
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000).unref()),
    ]);
    assert.equal(outcome, 'TRANSPORT_UNAVAILABLE');
    t.diagnostic(`rejected after ${(performance.now() - started).toFixed(0)} ms`);
  }

  broker = await startBroker({ port, dataDir, logger });
  for (const publisher of publishers) await publisher.publishRaw(message('after'));
  const values = (await transports[0]!.readTopic(topic)).map((record) => record.value?.toString());
  assert.deepEqual(values, ['before', 'before', 'after', 'after']);
});
