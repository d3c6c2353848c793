// kafka-python (python3-kafka 2.0.2) manages ACLs through CreateAcls, DescribeAcls and DeleteAcls as its
// KafkaAdminClient sends them, against the broker with the acl authorizer. kafka-python 2.0.2 cannot speak
// SASL to this broker (it sends the exchange as raw bytes after SaslHandshake v0), so it connects on a
// plaintext listener, as User:ANONYMOUS made a super user (how Kafka's own docs set up such a listener).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';

const SCRIPT = fileURLToPath(new URL('./kafka-python-acls.py', import.meta.url));

function runScript(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [SCRIPT, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

describe('kafka-python KafkaAdminClient ACLs', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({
      authorizer: 'acl',
      superUsers: 'User:ANONYMOUS',
    });
  });
  after(() => fixture?.stop());

  it('creates, describes (ANY, MATCH) and deletes ACLs', async () => {
    const out = await runScript([fixture.broker.address, 'dana']);
    assert.equal(out.created, 2);
    assert.deepEqual(out.create_failed, []);
    assert.equal(out.describe_error, 'NoError');
    const both = ['User:dana ALLOW READ PREFIXED:py-', 'User:dana DENY WRITE LITERAL:py-orders'];
    assert.deepEqual(out.all, both);
    assert.deepEqual(out.match_py_orders, both, 'MATCH finds the prefix and the literal');
    assert.deepEqual(out.match_other, []);
    assert.deepEqual(out.deleted, [1]);
    assert.deepEqual(out.after_delete, ['User:dana ALLOW READ PREFIXED:py-']);
  });
});
