import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { createKafkaTransport } from '../../src/kafka/kafka-transport.ts';

const logger = pino({ level: 'silent' });
const dataDir = await mkdtemp(join(tmpdir(), 'dbg-'));
let broker = await startBroker({ port: 0, dataDir, logger });
const port = broker.port;
const transport = createKafkaTransport({
  brokers: [broker.address],
  clientId: 'dbg',
  requestTimeoutMs: 1000,
  connectTimeoutMs: 300,
  clientRetries: 0,
  clientRetryDelayMs: 50,
});
await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
const pub = transport.createPublisher();
const send = (k: string) =>
  pub.publishRaw({ topic: 't', key: k, value: Buffer.from(k), headers: { ce_id: k } });
await send('before');
await broker.stop();
for (let i = 0; i < 3; i++)
  await send(`during-${i}`).then(
    () => console.log('during ok?!'),
    (e) => console.log('during fail', e.message.slice(0, 80)),
  );
broker = await startBroker({ port, dataDir, logger: pino({ level: 'debug' }) });
for (let i = 0; i < 5; i++) {
  const r = await send(`after-${i}`).then(
    () => 'ok',
    (e) => `fail ${e.message.slice(0, 200)} ${JSON.stringify(e.cause?.errors?.map((x: any) => x.message))}`,
  );
  console.log('after', i, r);
}
console.log((await transport.readTopic('t')).map((r) => `${r.offset}:${r.key}`));
await pub.close();
await transport.close();
await broker.stop();
