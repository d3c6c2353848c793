// DescribeLogDirs over TCP: @platformatic/kafka's admin (v4) and every advertised version on the wire.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { createTopicsBody } from '../server/wire-requests.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';

describe('DescribeLogDirs', () => {
  let fixture: BrokerFixture;
  let admin: Admin;
  let producer: Producer<string, string, string, string>;
  before(async () => {
    fixture = await brokerFixture();
    admin = new Admin({ clientId: 'log-dirs', bootstrapBrokers: [fixture.broker.address] });
    producer = new Producer({
      clientId: 'log-dirs-producer',
      bootstrapBrokers: [fixture.broker.address],
      serializers: stringSerializers,
    });
    await admin.createTopics({ topics: ['sized'], partitions: 2, replicas: 1 });
    await admin.createTopics({ topics: ['other'], partitions: 1, replicas: 1 });
  });
  after(async () => {
    await producer?.close();
    await admin?.close();
    await fixture?.stop();
  });

  async function sizes(): Promise<Map<number, bigint>> {
    const [broker] = await admin.describeLogDirs({ topics: [{ name: 'sized', partitions: [0, 1] }] });
    assert.equal(broker.results.length, 1);
    const topic = broker.results[0].topics.find((t) => t.name === 'sized');
    assert.ok(topic, 'the topic is listed');
    return new Map(topic.partitions.map((p) => [p.partitionIndex, p.partitionSize]));
  }

  it("reports each partition's size in bytes through @platformatic/kafka's admin, growing as records arrive", async () => {
    assert.deepEqual(
      await sizes(),
      new Map([
        [0, 0n],
        [1, 0n],
      ]),
    );
    const value = 'x'.repeat(1000);
    await producer.send({ messages: [{ topic: 'sized', partition: 0, key: 'k', value }] });
    const once = await sizes();
    assert.ok((once.get(0) ?? 0n) > 1000n, `partition 0 holds the record: ${once.get(0)}`);
    assert.equal(once.get(1), 0n);
    await producer.send({
      messages: Array.from({ length: 10 }, () => ({ topic: 'sized', partition: 0, key: 'k', value })),
    });
    const more = await sizes();
    assert.ok((more.get(0) ?? 0n) > (once.get(0) ?? 0n) + 9000n, `grew: ${once.get(0)} → ${more.get(0)}`);
    const [broker] = await admin.describeLogDirs({ topics: [{ name: 'sized', partitions: [0] }] });
    assert.equal(broker.results[0].logDir, resolve(fixture.dataDir));
    assert.deepEqual(
      broker.results[0].topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => [p.partitionIndex, p.offsetLag, p.isFutureKey]),
      })),
      [{ name: 'sized', partitions: [[0, 0n, false]] }],
    );
  });

  it('keeps the sizes across a restart', async () => {
    const before = await sizes();
    await admin.close();
    await fixture.restart();
    admin = new Admin({ clientId: 'log-dirs', bootstrapBrokers: [fixture.broker.address] });
    await producer.close();
    producer = new Producer({
      clientId: 'log-dirs-producer',
      bootstrapBrokers: [fixture.broker.address],
      serializers: stringSerializers,
    });
    assert.deepEqual(await sizes(), before);
  });

  it('answers every advertised version: null lists every topic, unknown topics and partitions are left out', async () => {
    const client = await RawClient.connect(fixture.broker.port);
    try {
      const created = await client.request(19, 7, createTopicsBody('wire-sized', 3));
      assert.equal(created.topics[0].errorCode, 0);
      const versions = await client.request(18, 3, {
        clientSoftwareName: 'test',
        clientSoftwareVersion: '1',
      });
      const range = versions.apiKeys.find((k) => k.apiKey === 35);
      assert.deepEqual(range && [range.minVersion, range.maxVersion], [0, 4]);
      for (let version = 0; version <= 4; version++) {
        const all = await client.request(35, version, { topics: null });
        assert.equal(all.errorCode, 0, `v${version}`);
        assert.equal(all.results.length, 1);
        assert.equal(all.results[0].errorCode, 0);
        assert.equal(all.results[0].logDir, resolve(fixture.dataDir));
        const listed = Object.fromEntries(
          all.results[0].topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex).sort()]),
        );
        assert.deepEqual(listed.sized, [0, 1], `v${version}`);
        assert.deepEqual(listed.other, [0], `v${version}`);
        assert.deepEqual(listed['wire-sized'], [0, 1, 2], `v${version}`);
        const some = await client.request(35, version, {
          topics: [
            { topic: 'wire-sized', partitions: [2, 7] },
            { topic: 'no-such-topic', partitions: [0] },
          ],
        });
        assert.deepEqual(
          some.results[0].topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
          [['wire-sized', [2]]],
          `v${version}`,
        );
        if (version >= 4) {
          assert.equal(all.results[0].totalBytes, -1n);
          assert.equal(all.results[0].usableBytes, -1n);
        }
      }
    } finally {
      client.close();
    }
  });
});

describe('DescribeLogDirs under the acl authorizer', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({ authorizer: 'acl', allowEveryoneIfNoAclFound: false });
  });
  after(async () => {
    await fixture?.stop();
  });

  it('lists no directory without DESCRIBE on the cluster, with CLUSTER_AUTHORIZATION_FAILED from v3', async () => {
    const client = await RawClient.connect(fixture.broker.port);
    try {
      for (let version = 0; version <= 4; version++) {
        const refused = await client.request(35, version, { topics: null });
        assert.deepEqual(refused.results, [], `v${version}`);
        assert.equal(refused.errorCode, version >= 3 ? 31 : 0, `v${version}`);
      }
    } finally {
      client.close();
    }
    const admin = new Admin({ clientId: 'log-dirs-denied', bootstrapBrokers: [fixture.broker.address] });
    try {
      await assert.rejects(admin.describeLogDirs({ topics: [{ name: 'any', partitions: [0] }] }));
    } finally {
      await admin.close();
    }
  });
});
