// CreatePartitions and DeleteRecords through kafkajs and @platformatic/kafka admin clients, over TCP: what
// a consumer, a producer and ListOffsets see afterwards, error codes, and persistence across a restart.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { fetchBody } from '../server/wire-requests.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import { kafkaErrorCodes } from './kafka-error-codes.ts';

describe('CreatePartitions and DeleteRecords', () => {
  let fixture: BrokerFixture;
  let admin: Admin;
  let kafka: Kafka;
  const platformaticAdmin = () =>
    new Admin({ clientId: 'partitions-admin', bootstrapBrokers: [fixture.broker.address], retries: 0 });
  before(async () => {
    // Small segments, so that DeleteRecords has whole segments to delete.
    fixture = await brokerFixture({ segmentBytes: 4096 });
    admin = platformaticAdmin();
    kafka = new Kafka({
      clientId: 'partitions-kjs',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
  });
  after(async () => {
    await admin?.close();
    await fixture?.stop();
  });

  const produce = async (topic: string, count: number, partition = 0) => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < count; i += 10) {
        const messages = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
          partition,
          value: `record-${i + j}-${'p'.repeat(200)}`,
        }));
        // acks=-1: answered once durable, so the high watermark (what DeleteRecords checks) covers them.
        await producer.send({ topic, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
  };

  const offsets = async (topic: string) => {
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      return (await kadmin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    } finally {
      await kadmin.disconnect();
    }
  };

  it('adds partitions that producers and metadata see at once (platformatic)', async () => {
    await admin.createTopics({ topics: ['grow'], partitions: 2, replicas: 1 });
    await admin.createPartitions({ topics: [{ name: 'grow', count: 5 }] });
    const metadata = await admin.metadata({ topics: ['grow'] });
    assert.equal(metadata.topics.get('grow')?.partitionsCount, 5);
    await produce('grow', 10, 4);
    assert.equal((await offsets('grow'))[4].high, '10', 'the new partition takes records');

    await assert.rejects(
      admin.createPartitions({ topics: [{ name: 'grow', count: 3 }] }),
      (err) => kafkaErrorCodes(err).includes(37),
      'fewer partitions than today: INVALID_PARTITIONS',
    );
    await assert.rejects(
      admin.createPartitions({ topics: [{ name: 'grow', count: 7, assignments: [{ brokerIds: [1] }] }] }),
      (err) => kafkaErrorCodes(err).includes(39),
      'one assignment for two new partitions: INVALID_REPLICA_ASSIGNMENT',
    );
    await assert.rejects(admin.createPartitions({ topics: [{ name: 'no-such-topic', count: 3 }] }), (err) =>
      kafkaErrorCodes(err).includes(3),
    );
    await admin.createPartitions({ topics: [{ name: 'grow', count: 9 }], validateOnly: true });
    assert.equal((await offsets('grow')).length, 5, 'validateOnly adds nothing');
  });

  it('keeps added partitions and their records across a restart (kafkajs)', async () => {
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.createTopics({ topics: [{ topic: 'grow-kjs', numPartitions: 1 }] });
      await kadmin.createPartitions({ topicPartitions: [{ topic: 'grow-kjs', count: 3 }] });
    } finally {
      await kadmin.disconnect();
    }
    await produce('grow-kjs', 20, 2);
    await admin.close();
    await fixture.restart();
    admin = platformaticAdmin();
    const after = await offsets('grow-kjs');
    assert.deepEqual(
      after.map((p) => [p.partition, p.high]),
      [
        [0, '0'],
        [1, '0'],
        [2, '20'],
      ],
    );
  });

  it('deletes records before an offset: consumers start there, and the start survives a restart', async () => {
    await admin.createTopics({ topics: ['trim'], partitions: 1, replicas: 1 });
    await produce('trim', 100);
    const partitionDir = readdirSync(fixture.dataDir, { recursive: true, encoding: 'utf8' }).find(
      (p) => basename(p) === 'trim-0',
    );
    assert.ok(partitionDir, 'the partition directory');
    const segments = () => readdirSync(join(fixture.dataDir, partitionDir)).filter((f) => f.endsWith('.log'));
    const before = segments().length;
    const [deleted] = await admin.deleteRecords({
      topics: [{ name: 'trim', partitions: [{ partition: 0, offset: 37n }] }],
    });
    assert.equal(deleted.partitions[0].lowWatermark, 37n);
    assert.equal((await offsets('trim'))[0].low, '37');
    assert.ok(segments().length < before, 'segments wholly below the new start are deleted from disk');

    const raw = await RawClient.connect(fixture.broker.port);
    try {
      const fetch = (offset: bigint) => raw.request(1, 12, fetchBody('trim', 0, offset));
      const below = await fetch(10n);
      assert.equal(below.responses[0].partitions[0].errorCode, 1, 'below the start: OFFSET_OUT_OF_RANGE');
      assert.equal(below.responses[0].partitions[0].logStartOffset, 37n);
      const at = await fetch(37n);
      assert.equal(at.responses[0].partitions[0].errorCode, 0);
      assert.ok((at.responses[0].partitions[0].records?.length ?? 0) > 0);
    } finally {
      raw.close();
    }

    // Beyond the high watermark: OFFSET_OUT_OF_RANGE; -1 means the high watermark itself.
    await assert.rejects(
      admin.deleteRecords({ topics: [{ name: 'trim', partitions: [{ partition: 0, offset: 101n }] }] }),
      (err) => kafkaErrorCodes(err).includes(1),
    );
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.fetchTopicMetadata({ topics: ['trim'] });
      await kadmin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '60' }] });
    } finally {
      await kadmin.disconnect();
    }
    assert.equal((await offsets('trim'))[0].low, '60');
    const [lower] = await admin.deleteRecords({
      topics: [{ name: 'trim', partitions: [{ partition: 0, offset: 50n }] }],
    });
    assert.equal(lower.partitions[0].lowWatermark, 60n, 'an offset below the start changes nothing');

    await admin.close();
    await fixture.restart();
    admin = platformaticAdmin();
    const restarted = (await offsets('trim'))[0];
    assert.deepEqual([restarted.low, restarted.high], ['60', '100']);
    const [all] = await admin.deleteRecords({
      topics: [{ name: 'trim', partitions: [{ partition: 0, offset: -1n }] }],
    });
    assert.equal(all.partitions[0].lowWatermark, 100n, '-1 deletes up to the high watermark');
  });
});
