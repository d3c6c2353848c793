// kafka-python (the Debian package python3-kafka, 2.0.2) against the broker: its KafkaAdminClient picks
// request versions from the Kafka version it infers out of ApiVersions, so this guards that inference as
// well as CreateTopics, DescribeConfigs, AlterConfigs, CreatePartitions and DeleteTopics as it sends them,
// and a produce/consume round trip through its producer and group consumer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';

const SCRIPT = fileURLToPath(new URL('./kafka-python-admin.py', import.meta.url));

interface Entry {
  value: string;
  read_only: boolean;
}

function runScript(address: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // The system Python, where the Debian package installs kafka.
    execFile('/usr/bin/python3', [SCRIPT, address], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

describe('kafka-python KafkaAdminClient, producer and consumer against the broker', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture();
  });
  after(() => fixture?.stop());

  it('creates, describes, alters, grows and deletes a topic, and round-trips records through a group', async () => {
    const out = await runScript(fixture.broker.address);
    // kafka-python 2.0.2 recognises Kafka versions up to 2.5; anything older would downgrade its requests.
    assert.ok((out.api_version as number[])[0] >= 2, `inferred Kafka ${JSON.stringify(out.api_version)}`);
    assert.deepEqual(out.create_errors, [0]);
    assert.equal(out.create_again, 'TopicAlreadyExistsError');
    assert.deepEqual(out.retention_ms as Entry, { value: '604800000', read_only: false });
    assert.equal(out.compression_read_only, true);
    assert.deepEqual(out.alter_errors, [0]);
    assert.deepEqual(out.retention_ms_after as Entry, { value: '120000', read_only: false });
    assert.equal(out.broker_retention_ms, '604800000');
    assert.deepEqual(out.create_partitions_errors, [0]);
    assert.equal(out.fewer_partitions, 'InvalidPartitionsError');
    const expected: [number, number, string, string][] = [];
    for (let i = 0; i < 30; i++) expected.push([i % 3, Math.floor(i / 3), `k${i}`, `value ${i}`]);
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual(
      out.sent_offsets,
      expected.map(([p, o]) => [p, o]),
    );
    assert.deepEqual(out.received, expected);
    assert.equal(out.committed, 10);
    assert.deepEqual(out.delete_errors, [0]);
    assert.deepEqual(out.topics_after_delete, []);
  });
});
