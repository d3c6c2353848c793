// Interop with kafkajs, an independent pure-JavaScript Kafka client, over TCP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, type Consumer, Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';

describe('kafkajs against the broker', () => {
  let fixture: BrokerFixture;
  let kafka: Kafka;
  before(async () => {
    fixture = await brokerFixture();
    kafka = new Kafka({
      clientId: 'kafkajs-interop',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
  });
  after(() => fixture.stop());

  it('creates topics and reads metadata', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-meta', numPartitions: 5 }] }), true);
      assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-meta', numPartitions: 5 }] }), false);
      const { topics } = await admin.fetchTopicMetadata({ topics: ['kjs-meta'] });
      assert.equal(topics[0].partitions.length, 5);
      assert.ok((await admin.listTopics()).includes('kjs-meta'));
      await admin.deleteTopics({ topics: ['kjs-meta'] });
      assert.ok(!(await admin.listTopics()).includes('kjs-meta'));
    } finally {
      await admin.disconnect();
    }
  });

  it('produces idempotently with gzip and consumes in a group of two members, each record once', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kjs-data', numPartitions: 4 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const total = 2000;
    for (let start = 0; start < total; start += 250) {
      await producer.send({
        topic: 'kjs-data',
        compression: start % 500 === 0 ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: Array.from({ length: 250 }, (_, j) => ({
          key: `k${(start + j) % 13}`,
          value: String(start + j),
          headers: { n: String(start + j) },
        })),
      });
    }
    await producer.disconnect();

    const seen: number[] = [];
    const lastByKey = new Map<string, number>();
    let outOfOrder = 0;
    const consumers: Consumer[] = [];
    for (let i = 0; i < 2; i++) {
      const c = kafka.consumer({ groupId: 'kjs-group', sessionTimeout: 10_000, heartbeatInterval: 500 });
      await c.connect();
      await c.subscribe({ topic: 'kjs-data', fromBeginning: true });
      await c.run({
        eachMessage: async ({ message }) => {
          const n = Number(message.value?.toString());
          assert.equal(message.headers?.n?.toString(), String(n));
          const key = message.key?.toString() ?? '';
          if ((lastByKey.get(key) ?? -1) > n) outOfOrder++;
          lastByKey.set(key, n);
          seen.push(n);
        },
      });
      consumers.push(c);
    }
    await eventually(() => new Set(seen).size >= total, 30_000, 'all records consumed');
    const admin2 = kafka.admin();
    await admin2.connect();
    const committedTotal = async () => {
      const offsets = await admin2.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs-data'] });
      return offsets[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    // kafkajs commits after each processed batch; the group's committed offsets end up covering every record.
    await eventually(
      async () => (await committedTotal()) === total,
      20_000,
      'committed offsets to cover every record',
    );
    await admin2.disconnect();
    for (const c of consumers) await c.disconnect();
    assert.equal(new Set(seen).size, total);
    assert.equal(seen.length, total, 'no record was delivered twice');
    assert.equal(outOfOrder, 0, 'per-key order kept');
  });
});
