// librdkafka's AdminClient (confluent-kafka-python, the Debian package python3-confluent-kafka) against the
// broker: DescribeConfigs v1, AlterConfigs v0 and CreatePartitions v0 as the C client sends them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';

const SCRIPT = fileURLToPath(new URL('./librdkafka-admin.py', import.meta.url));
const TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

interface Entry {
  value: string;
  source: number;
  read_only: boolean;
}

function runScript(address: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // The system Python, where the Debian package installs confluent_kafka.
    execFile('/usr/bin/python3', [SCRIPT, address], { timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

describe('librdkafka AdminClient (confluent-kafka-python) against the broker', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture();
  });
  after(() => fixture?.stop());

  it('describes and alters topic configs, adds partitions and describes the broker, with Kafka errors', async () => {
    const out = await runScript(fixture.broker.address);
    const before = out.retention_ms_before as Entry;
    assert.deepEqual(before, { value: '604800000', source: DEFAULT_CONFIG, read_only: false });
    assert.equal(out.compression_read_only, true);
    assert.deepEqual(out.retention_ms_after, { value: '120000', source: TOPIC_CONFIG, read_only: false });
    assert.equal(out.invalid_alter, 'INVALID_CONFIG');
    assert.equal(out.partitions, 3);
    assert.equal(out.fewer_partitions, 'INVALID_PARTITIONS');
    assert.equal((out.broker_retention_ms as Entry).value, '604800000');
    assert.equal(out.broker_node_id_read_only, true);
  });
});
