// A killed process (kill -9) during acks=-1 production: every acknowledged record and every committed offset
// survives a process crash. Power cuts and disk faults are covered by the storage simulation (test/sim/).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const BIN = fileURLToPath(new URL('../src/bin/tributary-broker.js', import.meta.url));

function spawnBroker(dataDir: string, port: number): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    process.execPath,
    [BIN, '--port', String(port), '--data-dir', dataDir, '--log-level', 'info'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === 'broker listening' && entry.address) resolve({ child, address: entry.address });
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited early with ${code}`)));
  });
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('keeps every acks=-1 acknowledged record and committed offset after SIGKILL', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-crash-'));
  dirs.push(dataDir);
  let { child, address } = await spawnBroker(dataDir, 0);
  const port = Number(address.split(':').pop());

  const admin = new Admin({ clientId: 'crash', bootstrapBrokers: [address] });
  await admin.createTopics({ topics: ['crash'], partitions: 3, replicas: 1 });
  await admin.close();

  // A consumer group commits offsets before the crash.
  const warmup = new Producer({
    clientId: 'crash-warmup',
    bootstrapBrokers: [address],
    serializers: stringSerializers,
    acks: -1,
  });
  await warmup.send({
    messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'crash', key: `w${i}`, value: `warm-${i}` })),
  });
  await warmup.close();
  const c1 = new Consumer({
    clientId: 'crash-c',
    groupId: 'crash-group',
    bootstrapBrokers: [address],
    deserializers: stringDeserializers,
  });
  const s1 = await c1.consume({ topics: ['crash'], mode: 'earliest', autocommit: false });
  let consumed = 0;
  for await (const m of s1) {
    await m.commit();
    if (++consumed === 30) break;
  }
  await s1.close();
  await c1.close();

  // Produce continuously with acks=-1 and kill the broker mid-stream.
  const producer = new Producer({
    clientId: 'crash-p',
    bootstrapBrokers: [address],
    serializers: stringSerializers,
    acks: -1,
    retries: 0,
  });
  const acknowledged: string[] = [];
  let n = 0;
  const killAt = 3000;
  let killed = false;
  while (!killed) {
    const batch = Array.from({ length: 50 }, () => ({
      topic: 'crash',
      key: `k${n % 11}`,
      value: `rec-${n++}`,
    }));
    try {
      await producer.send({ messages: batch, acks: -1 });
      acknowledged.push(...batch.map((m) => m.value));
    } catch {
      break;
    }
    if (acknowledged.length >= killAt && !killed) {
      // Fire the kill while the next send is in flight.
      setImmediate(() => child.kill('SIGKILL'));
      killed = true;
      try {
        const last = Array.from({ length: 50 }, () => ({ topic: 'crash', key: 'x', value: `rec-${n++}` }));
        await producer.send({ messages: last, acks: -1 });
        acknowledged.push(...last.map((m) => m.value));
      } catch {
        // expected: the broker died
      }
    }
  }
  await producer.close(true).catch(() => {});
  await new Promise((r) =>
    child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
  );

  ({ child } = await spawnBroker(dataDir, port));
  try {
    const reader = new Consumer({
      clientId: 'crash-r',
      groupId: 'crash-reader',
      bootstrapBrokers: [address],
      deserializers: stringDeserializers,
    });
    const stream = await reader.consume({
      topics: ['crash'],
      mode: 'earliest',
      autocommit: false,
      maxWaitTime: 200,
    });
    const present = new Set<string>();
    const wanted = new Set(acknowledged);
    let missing = wanted.size;
    for await (const m of stream) {
      if (wanted.has(m.value) && !present.has(m.value)) missing--;
      present.add(m.value);
      if (missing === 0) break;
    }
    await stream.close();
    await reader.close();
    assert.equal(missing, 0, 'every acknowledged record is readable after the crash');

    const resumed = new Consumer({
      clientId: 'crash-c2',
      groupId: 'crash-group',
      bootstrapBrokers: [address],
      deserializers: stringDeserializers,
    });
    const s2 = await resumed.consume({
      topics: ['crash'],
      mode: 'committed',
      fallbackMode: 'fail',
      autocommit: false,
    });
    for await (const m of s2) {
      assert.ok(!m.value.startsWith('warm-'), `committed offsets survived: ${m.value} was re-delivered`);
      break;
    }
    await s2.close();
    await resumed.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
