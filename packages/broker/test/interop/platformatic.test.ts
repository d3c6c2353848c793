// Interop with @platformatic/kafka (the client the messaging library uses) over TCP.
import assert from 'node:assert/strict';
import { type EventEmitter, once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import {
  Admin,
  Consumer,
  type Message,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';

type StringMessage = Message<string, string, string, string>;

function producer(fixture: BrokerFixture, extra: Record<string, unknown> = {}) {
  return new Producer({
    clientId: 'interop-producer',
    bootstrapBrokers: [fixture.broker.address],
    serializers: stringSerializers,
    retries: 5,
    autocreateTopics: true,
    ...extra,
  });
}

function consumer(fixture: BrokerFixture, groupId: string) {
  return new Consumer({
    clientId: `interop-${groupId}`,
    groupId,
    bootstrapBrokers: [fixture.broker.address],
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    rebalanceTimeout: 10_000,
  });
}

async function produceKeyed(
  p: Producer<string, string, string, string>,
  topic: string,
  count: number,
  prefix = 'v',
) {
  const batch = 200;
  for (let start = 0; start < count; start += batch) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      messages.push({
        topic,
        key: `key-${i % 17}`,
        value: `${prefix}-${i}`,
        headers: { seq: String(i), src: 'interop' },
      });
    }
    await p.send({ messages });
  }
}

/** Consumes until `count` records arrived; returns them (committing each when asked). */
async function collect(
  c: Consumer<string, string, string, string>,
  topic: string,
  count: number,
  commit = true,
) {
  const stream = await c.consume({
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  const got: StringMessage[] = [];
  for await (const message of stream as AsyncIterable<StringMessage>) {
    got.push(message);
    if (commit) await message.commit();
    if (got.length >= count) break;
  }
  await stream.close();
  return got;
}

describe('@platformatic/kafka against the broker', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture();
  });
  after(() => fixture.stop());

  it('creates a topic and reports it in metadata with every partition led by the broker', async () => {
    const admin = new Admin({ clientId: 'interop-admin', bootstrapBrokers: [fixture.broker.address] });
    try {
      await admin.createTopics({ topics: ['meta-topic'], partitions: 4, replicas: 1 });
      const metadata = await admin.metadata({ topics: ['meta-topic'] });
      const topic = metadata.topics.get('meta-topic');
      assert.ok(topic, 'topic listed');
      assert.equal(topic.partitionsCount, 4);
      await assert.rejects(
        admin.createTopics({ topics: ['meta-topic'], partitions: 1, replicas: 1 }),
        /already exists/i,
      );
    } finally {
      await admin.close();
    }
  });

  it('produces and consumes thousands of keyed records with headers, in order per partition', async () => {
    const admin = new Admin({ clientId: 'interop-admin', bootstrapBrokers: [fixture.broker.address] });
    await admin.createTopics({ topics: ['bulk'], partitions: 6, replicas: 1 });
    await admin.close();
    const p = producer(fixture, { idempotent: true });
    await produceKeyed(p, 'bulk', 3000);
    await p.close();
    const c = consumer(fixture, 'bulk-group');
    const got = await collect(c, 'bulk', 3000, false);
    await c.close();
    assert.equal(got.length, 3000);
    assert.equal(new Set(got.map((m) => m.value)).size, 3000, 'every record exactly once');
    const partitionsByKey = new Map<string, Set<number>>();
    const lastSeqByPartition = new Map<number, bigint>();
    const lastValueByKey = new Map<string, number>();
    for (const m of got) {
      assert.equal(m.headers.get('src'), 'interop');
      assert.equal(m.value, `v-${m.headers.get('seq')}`);
      const seq = Number(m.headers.get('seq'));
      const prevOffset = lastSeqByPartition.get(m.partition);
      if (prevOffset !== undefined) assert.ok(m.offset > prevOffset, 'offsets increase within a partition');
      lastSeqByPartition.set(m.partition, m.offset);
      const prev = lastValueByKey.get(m.key) ?? -1;
      assert.ok(seq > prev, `records of ${m.key} arrive in the order sent`);
      lastValueByKey.set(m.key, seq);
      if (!partitionsByKey.has(m.key)) partitionsByKey.set(m.key, new Set());
      partitionsByKey.get(m.key)!.add(m.partition);
    }
    for (const [key, parts] of partitionsByKey) assert.equal(parts.size, 1, `${key} stays on one partition`);
    assert.ok(lastSeqByPartition.size > 1, 'records spread over several partitions');
  });

  it('passes gzip-compressed batches through unchanged', async () => {
    const p = producer(fixture, { compression: 'gzip' });
    await produceKeyed(p, 'gzipped', 500, 'gz');
    await p.close();
    const c = consumer(fixture, 'gzip-group');
    const got = await collect(c, 'gzipped', 500, false);
    await c.close();
    assert.deepEqual(
      new Set(got.map((m) => m.value)),
      new Set(Array.from({ length: 500 }, (_, i) => `gz-${i}`)),
    );
  });

  it('shares a topic between two group members that rebalance, reading every record once', async () => {
    const admin = new Admin({ clientId: 'interop-admin', bootstrapBrokers: [fixture.broker.address] });
    await admin.createTopics({ topics: ['shared'], partitions: 4, replicas: 1 });
    await admin.close();
    const p = producer(fixture);
    await produceKeyed(p, 'shared', 1000, 'first');
    const seen: string[] = [];
    const byMember = new Map<string, number>();
    let committed = 0;
    type Member = {
      c: Consumer<string, string, string, string>;
      stream: AsyncIterable<StringMessage> & { close(): Promise<void> };
    };
    const members: Member[] = [];
    const start = async (name: string) => {
      const c = consumer(fixture, 'shared-group');
      const stream = (await c.consume({
        topics: ['shared'],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        maxWaitTime: 200,
      })) as unknown as Member['stream'];
      members.push({ c, stream });
      (async () => {
        for await (const m of stream) {
          seen.push(m.value);
          byMember.set(name, (byMember.get(name) ?? 0) + 1);
          await m.commit();
          committed++;
        }
      })().catch(() => {});
      return c;
    };
    // The first member reads (and commits) everything there is; then a second member joins, the group
    // rebalances, and the next records are shared between them.
    const a = await start('a');
    await eventually(() => committed >= 1000, 20_000, 'first member to commit the first 1000 records');
    const b = await start('b');
    await eventually(
      () =>
        (a.assignments?.[0]?.partitions.length ?? 0) === 2 &&
        (b.assignments?.[0]?.partitions.length ?? 0) === 2,
      20_000,
      'partitions split between both members',
    );
    // A fetch sent before the rebalance may still be pending for the old partitions; the client does not
    // drop what it returns, so let each member complete one fetch under the new assignment first.
    await Promise.all(members.map((m) => once(m.stream as unknown as EventEmitter, 'fetch')));
    await Promise.all(members.map((m) => once(m.stream as unknown as EventEmitter, 'fetch')));
    await produceKeyed(p, 'shared', 1000, 'second');
    await p.close();
    await eventually(() => new Set(seen).size >= 2000, 30_000, 'all 2000 records');
    for (const m of members) await m.stream.close();
    for (const m of members) await m.c.close();
    assert.equal(new Set(seen).size, 2000);
    assert.equal(seen.length, 2000, 'no record was delivered twice');
    assert.ok((byMember.get('b') ?? 0) > 0, 'the second member got a share');
  });

  it('resumes a group from its committed offsets after the broker restarts', async () => {
    const p = producer(fixture, { idempotent: true });
    await produceKeyed(p, 'resume', 400, 'r');
    await p.close();
    const c1 = consumer(fixture, 'resume-group');
    const first = await collect(c1, 'resume', 150, true);
    await c1.close();
    await fixture.restart();
    const c2 = consumer(fixture, 'resume-group');
    const rest = await collect(c2, 'resume', 250, true);
    await c2.close();
    const all = [...first, ...rest].map((m) => m.value);
    assert.equal(new Set(all).size, 400, 'nothing lost and nothing read twice across the restart');
  });
});
