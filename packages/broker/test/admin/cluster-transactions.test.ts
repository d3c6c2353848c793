// DescribeCluster on the wire, and transactional producers (librdkafka through kcat, kafkajs, raw
// AddPartitionsToTxn) refused at once with a clear error instead of retrying until their timeout.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';

const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53;
// Far below the 30 s and more that a client waiting on a retriable error takes; room for a loaded machine.
const FAST_MS = 10_000;

function kcat(args: string[], input: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile('kcat', args, { timeout: 60_000 }, (_err, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr, ms: Date.now() - started }),
    );
    child.stdin?.end(input);
  });
}

describe('DescribeCluster and refused transactions', () => {
  let fixture: BrokerFixture;
  let raw: RawClient;
  before(async () => {
    fixture = await brokerFixture();
    raw = await RawClient.connect(fixture.broker.port);
  });
  after(async () => {
    raw?.close();
    await fixture?.stop();
  });

  it('describes the cluster: this node, its cluster id, and every cluster operation when asked', async () => {
    const v0 = await raw.request(60, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.equal(v0.errorCode, 0);
    assert.equal(v0.controllerId, 1);
    assert.deepEqual(v0.brokers, [{ brokerId: 1, host: '127.0.0.1', port: fixture.broker.port, rack: null }]);
    assert.equal(v0.clusterAuthorizedOperations, -2147483648, 'not asked for');
    const metadata = await raw.request(3, 12, {
      topics: [],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(v0.clusterId, metadata.clusterId, 'the same cluster id as Metadata');

    const v1 = await raw.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal(v1.endpointType, 1);
    // Kafka's AclOperation codes of the cluster: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS,
    // ALTER_CONFIGS, IDEMPOTENT_WRITE; not READ (3) or WRITE (4).
    for (const op of [5, 7, 8, 9, 10, 11, 12])
      assert.ok(v1.clusterAuthorizedOperations & (1 << op), `op ${op}`);
    for (const op of [3, 4]) assert.equal(v1.clusterAuthorizedOperations & (1 << op), 0, `op ${op}`);

    const controllers = await raw.request(60, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 2,
    });
    assert.equal(controllers.errorCode, 115, 'a broker does not list controllers: UNSUPPORTED_ENDPOINT_TYPE');
    assert.deepEqual(controllers.brokers, []);
  });

  it('fails a librdkafka transactional producer (kcat) at once, saying transactions are not supported', async () => {
    const result = await kcat(
      ['-b', fixture.broker.address, '-P', '-t', 'tx-kcat', '-X', 'transactional.id=kcat-tx'],
      'one\n',
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /transactions are not supported by this broker/);
    assert.ok(result.ms < FAST_MS, `failed after ${result.ms} ms`);
  });

  it('fails a kafkajs transactional producer at once, and answers AddPartitionsToTxn with the same error', async () => {
    const kafka = new Kafka({
      clientId: 'tx-kjs',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ transactionalId: 'kjs-tx', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const started = Date.now();
    try {
      // kafkajs reports any FindCoordinator failure as "Failed to find group coordinator": what matters
      // is that it gives up at once rather than retrying.
      await assert.rejects(producer.transaction());
    } finally {
      await producer.disconnect();
    }
    assert.ok(Date.now() - started < FAST_MS);

    const added = await raw.request(24, 3, {
      v3AndBelowTransactionalId: 'raw-tx',
      v3AndBelowProducerId: 1n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 'tx-raw', partitions: [0, 1] }],
    });
    assert.deepEqual(
      added.resultsByTopicV3AndBelow[0].resultsByPartition.map((p) => p.partitionErrorCode),
      [TRANSACTIONAL_ID_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED],
    );
  });
});
