// Partitions per topic and per broker: a topic that would break a limit is refused with Kafka's error code
// and a message naming the limit, nothing of it is created, and everyone else keeps being served.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { resolveBrokerConfig, type StartBrokerOptions } from '../../src/index.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import { batch, createTopicsBody, fetchBody, produceBody } from './wire-requests.ts';

const INVALID_PARTITIONS = 37;
const POLICY_VIOLATION = 44;

async function setup(t: TestContext, options: StartBrokerOptions) {
  let fixture: BrokerFixture | undefined;
  let client: RawClient | undefined;
  t.after(async () => {
    client?.close();
    await fixture?.stop();
  });
  fixture = await brokerFixture(options);
  client = await RawClient.connect(fixture.broker.port);
  return { fixture, client };
}

async function create(client: RawClient, name: string, partitions: number, validateOnly = false) {
  const r = await client.request(19, 7, { ...createTopicsBody(name, partitions), validateOnly });
  return r.topics[0];
}

async function produceOne(client: RawClient, topic: string, value: string) {
  const r = await client.request(0, 9, produceBody(topic, [{ index: 0, records: batch([value]) }], 1));
  return r.responses[0].partitionResponses[0];
}

async function assertServed(client: RawClient, topic: string, value: string): Promise<void> {
  const produced = await produceOne(client, topic, value);
  assert.equal(produced.errorCode, 0);
  const fetched = await client.request(1, 12, fetchBody(topic, 0, produced.baseOffset, 10_000));
  assert.ok((fetched.responses[0].partitions[0].records?.length ?? 0) > 0, `${value} fetched back`);
}

async function topicDirectories(fixture: BrokerFixture): Promise<string[]> {
  const entries = await readdir(join(fixture.dataDir, 'topics'), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

it('refuses a 25,000-partition topic at once under the default limits, creating nothing', async (t) => {
  const { fixture, client } = await setup(t, {});
  const refused = await create(client, 'huge', 25_000);
  assert.equal(refused.errorCode, INVALID_PARTITIONS);
  assert.match(refused.errorMessage ?? '', /maxPartitionsPerTopic of 1000/);
  assert.deepEqual(
    (await topicDirectories(fixture)).filter((d) => d.startsWith('huge')),
    [],
    'no partition directory',
  );
  assert.equal((await create(client, 'normal', 3)).errorCode, 0);
  await assertServed(client, 'normal', 'after');
});

it('holds topics to maxPartitionsPerTopic and the broker to maxPartitionsPerBroker, auto-creation included', async (t) => {
  const { fixture, client } = await setup(t, {
    maxPartitionsPerTopic: 8,
    maxPartitionsPerBroker: 12,
    defaultPartitions: 4,
  });
  const tooWide = await create(client, 'too-wide', 9);
  assert.equal(tooWide.errorCode, INVALID_PARTITIONS);
  assert.match(tooWide.errorMessage ?? '', /9 partitions exceed .*maxPartitionsPerTopic of 8/);

  assert.equal((await create(client, 'served', 8)).errorCode, 0);
  await assertServed(client, 'served', 'first');

  const over = await create(client, 'over', 5);
  assert.equal(over.errorCode, POLICY_VIOLATION);
  assert.match(over.errorMessage ?? '', /bring the broker to 13, over its maxPartitionsPerBroker of 12/);
  assert.equal((await create(client, 'over', 5, true)).errorCode, POLICY_VIOLATION, 'validateOnly too');

  // Auto-creation takes the last four partitions, then is refused with the same error and message.
  assert.equal((await produceOne(client, 'auto-1', 'x')).errorCode, 0);
  const autoRefused = await produceOne(client, 'auto-2', 'y');
  assert.equal(autoRefused.errorCode, POLICY_VIOLATION);
  assert.match(autoRefused.errorMessage ?? '', /maxPartitionsPerBroker of 12/);
  const metadata = await client.request(3, 12, {
    topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'auto-3' }],
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(metadata.topics[0].errorCode, POLICY_VIOLATION);

  const grown = await client.request(37, 3, {
    topics: [{ name: 'auto-1', count: 5, assignments: null }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(grown.results[0].errorCode, POLICY_VIOLATION, 'CreatePartitions is held to the limit');

  const dirs = await topicDirectories(fixture);
  assert.deepEqual(
    dirs.filter((d) => /^(too-wide|over|auto-2|auto-3)-/.test(d)),
    [],
    'refused topics leave no directories',
  );
  await assertServed(client, 'served', 'while full');

  // Deleting a topic gives its partitions back.
  const deleted = await client.request(20, 5, { topicNames: ['served'], timeoutMs: 5000 });
  assert.equal(deleted.responses[0].errorCode, 0);
  assert.equal((await create(client, 'over', 5)).errorCode, 0);
  await assertServed(client, 'over', 'after the delete');
});

it('refuses a configuration whose limits contradict each other', () => {
  assert.throws(
    () => resolveBrokerConfig({ defaultPartitions: 20, maxPartitionsPerTopic: 10 }),
    /defaultPartitions: must not exceed maxPartitionsPerTopic/,
  );
  assert.throws(
    () => resolveBrokerConfig({ maxFrameBytes: 4096, maxBufferedBytes: 2048 }),
    /maxBufferedBytes: must hold at least one frame/,
  );
});
