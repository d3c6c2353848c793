// DeleteGroups and OffsetDelete through kafkajs and @platformatic/kafka admin clients, with real consumers
// in the groups: a group in use is never deleted, offsets of a consumed topic stay, and what is deleted stays
// deleted after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';
import { kafkaErrorCodes } from './kafka-error-codes.ts';

// kafkajs is CommonJS: its error classes are not named exports under ESM.
const { KafkaJSDeleteGroupsError } = kafkajs;

describe('DeleteGroups and OffsetDelete', () => {
  let fixture: BrokerFixture;
  let admin: Admin;
  let kafka: Kafka;
  before(async () => {
    fixture = await brokerFixture();
    admin = new Admin({ clientId: 'groups-admin', bootstrapBrokers: [fixture.broker.address], retries: 0 });
    kafka = new Kafka({
      clientId: 'groups-kjs',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
    await admin.createTopics({ topics: ['g-a', 'g-b'], partitions: 2, replicas: 1 });
  });
  after(async () => {
    await admin?.close();
    await fixture?.stop();
  });

  // Commits from outside the group (generation -1), as tools that reset offsets do.
  const commit = (groupId: string, topic: string, partition: number, offset: string) =>
    admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: [{ partition, offset: BigInt(offset) }] }],
    });
  const committed = async (groupId: string, topic: string) => {
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      const [t] = await kadmin.fetchOffsets({ groupId, topics: [topic] });
      return t.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
    } finally {
      await kadmin.disconnect();
    }
  };

  it('deletes an empty group with its offsets, durably, and answers GROUP_ID_NOT_FOUND after (kafkajs)', async () => {
    await commit('gone', 'g-a', 0, '5');
    assert.deepEqual(await committed('gone', 'g-a'), ['5', '-1']);
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      const results = await kadmin.deleteGroups(['gone']);
      assert.deepEqual(
        results.map((r) => [r.groupId, r.errorCode]),
        [['gone', 0]],
      );
      await assert.rejects(
        kadmin.deleteGroups(['gone']),
        (err: unknown) =>
          err instanceof KafkaJSDeleteGroupsError && err.groups.some((g) => g.errorCode === 69),
      );
    } finally {
      await kadmin.disconnect();
    }
    await admin.close();
    await fixture.restart();
    admin = new Admin({ clientId: 'groups-admin', bootstrapBrokers: [fixture.broker.address], retries: 0 });
    assert.deepEqual(await committed('gone', 'g-a'), ['-1', '-1'], 'still gone after a restart');
    const groups = await admin.listGroups();
    assert.ok(!groups.has('gone'));
  });

  it('refuses to delete a group with a live member (NON_EMPTY_GROUP), and keeps the offsets of topics it consumes', async () => {
    // Records below the committed offsets, so that the consumer resumes there rather than resetting them.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'g-a',
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })),
    });
    await producer.disconnect();
    await commit('busy', 'g-a', 0, '5');
    await commit('busy', 'g-b', 1, '7');
    const consumer = kafka.consumer({ groupId: 'busy', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: ['g-a'] });
      await consumer.run({ autoCommit: false, eachMessage: async () => {} });
      await eventually(
        async () => (await admin.describeGroups({ groups: ['busy'] })).get('busy')?.state === 'Stable',
        20_000,
        'the consumer to join',
      );
      await assert.rejects(admin.deleteGroups({ groups: ['busy'] }), (err) =>
        kafkaErrorCodes(err).includes(68),
      );
      // The member consumes g-a: its offset stays (GROUP_SUBSCRIBED_TO_TOPIC); g-b's is deleted.
      await assert.rejects(
        admin.deleteConsumerGroupOffsets({
          groupId: 'busy',
          topics: [
            { name: 'g-a', partitionIndexes: [0] },
            { name: 'g-b', partitionIndexes: [1] },
          ],
        }),
        (err) => kafkaErrorCodes(err).includes(86),
      );
      assert.deepEqual(await committed('busy', 'g-a'), ['5', '-1']);
      assert.deepEqual(await committed('busy', 'g-b'), ['-1', '-1']);
    } finally {
      await consumer.disconnect();
    }
  });

  it('deletes single offsets of an empty group, and refuses unknown groups and partitions (platformatic)', async () => {
    await commit('trimmed', 'g-a', 0, '3');
    await commit('trimmed', 'g-a', 1, '4');
    await admin.deleteConsumerGroupOffsets({
      groupId: 'trimmed',
      topics: [{ name: 'g-a', partitionIndexes: [0] }],
    });
    assert.deepEqual(await committed('trimmed', 'g-a'), ['-1', '4']);
    await assert.rejects(
      admin.deleteConsumerGroupOffsets({
        groupId: 'never-seen',
        topics: [{ name: 'g-a', partitionIndexes: [0] }],
      }),
      (err) => kafkaErrorCodes(err).includes(69),
    );
    await assert.rejects(
      admin.deleteConsumerGroupOffsets({
        groupId: 'trimmed',
        topics: [{ name: 'g-a', partitionIndexes: [9] }],
      }),
      (err) => kafkaErrorCodes(err).includes(3),
    );
    await admin.close();
    await fixture.restart();
    admin = new Admin({ clientId: 'groups-admin', bootstrapBrokers: [fixture.broker.address], retries: 0 });
    assert.deepEqual(await committed('trimmed', 'g-a'), ['-1', '4'], 'the deletion survives a restart');
    await admin.deleteGroups({ groups: ['trimmed'] });
    assert.deepEqual(await committed('trimmed', 'g-a'), ['-1', '-1']);
  });
});
