// Sarama (Shopify's Go client, Debian's golang-github-shopify-sarama-dev 1.22) against the broker: a client
// with its own protocol code, older request versions (OffsetCommit v1, Fetch and Produce of Kafka 2.1) and
// pipelined produce requests on one connection. The program (sarama/main.go) is built with Debian's Go in
// GOPATH mode, offline, and prints what it saw as JSON.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';

const SOURCE = fileURLToPath(new URL('./sarama/main.go', import.meta.url));

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 180_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('Sarama (Go) against the broker', () => {
  let fixture: BrokerFixture;
  let dir: string;
  let program: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-sarama-'));
    program = join(dir, 'sarama-interop');
    // Debian installs Go libraries as sources under /usr/share/gocode: GOPATH mode, no module download.
    await run('go', ['build', '-o', program, SOURCE], {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOFLAGS: '',
    });
    fixture = await brokerFixture();
  });
  after(async () => {
    await fixture?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a topic, keeps pipelined and idempotent sends in order, and shares them between two group members that commit', async () => {
    const out = JSON.parse(await run(program, [fixture.broker.address])) as Record<string, unknown>;
    assert.equal(out.created, true);
    assert.equal(out.topic_partitions, 3);
    assert.equal(out.retention_ms, '604800000');
    assert.match(String(out.create_again), /already exists/);
    // 30 keys × 100 records, five Produce requests in flight on one connection.
    assert.equal(out.pipelined_acked, 3000);
    assert.deepEqual(out.pipelined_errors, []);
    assert.equal(out.offset_gaps, 0);
    assert.equal(out.idempotent_acked, 300);
    // Every record once, each key's sequence in order, across both producers and both members.
    assert.equal(out.received, 3300);
    assert.equal(out.duplicates, 0);
    assert.equal(out.out_of_order, 0);
    assert.equal(out.members, 2);
    // Sarama commits with OffsetCommit v1: the group's offsets reach the end of every partition.
    const hw = out.high_watermarks as Record<string, number>;
    assert.equal(
      Object.values(hw).reduce((a, b) => a + b, 0),
      3300,
    );
    assert.deepEqual(out.committed, hw);
  });
});
