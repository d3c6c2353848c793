// The console's heaviest views against their targets and against a baseline: the first page of a partition
// holding 1,000,000 records (< 300 ms) and the lag view of 100 groups × 100 partitions (< 500 ms). The broker,
// the console and the baseline (the same Kafka calls with the raw client, no HTTP) each run in a process of
// their own; this process only sends the requests, alternating console and baseline rounds.
// Usage: npm run bench:console [-- --records 1000000 --groups 100 --partitions 100 --rounds 15]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Admin, ProduceAcks, Producer } from '@platformatic/kafka';
import { startBrokerProcess } from './broker-process.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    groups: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '15' },
  },
});
const RECORDS = Number(values.records);
const GROUPS = Number(values.groups);
const PARTITIONS = Number(values.partitions);
const ROUNDS = Number(values.rounds);
for (const [name, n] of Object.entries({ RECORDS, GROUPS, PARTITIONS, ROUNDS })) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name.toLowerCase()} must be a positive integer`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-console-'));
const broker = await startBrokerProcess(join(dataDir, 'broker'));
const children: ChildProcess[] = [];
try {
  const admin = new Admin({ clientId: 'bench-setup', bootstrapBrokers: [broker.address] });
  await admin.createTopics({ topics: ['bench-big'], partitions: 1, replicas: -1 });
  await admin.createTopics({ topics: ['bench-lag'], partitions: PARTITIONS, replicas: -1 });
  const producer = new Producer({
    clientId: 'bench-setup',
    bootstrapBrokers: [broker.address],
    idempotent: false,
    acks: ProduceAcks.LEADER,
  });
  const started = performance.now();
  const BATCH = 5000;
  const value = Buffer.from(
    JSON.stringify({ orderId: 'x'.repeat(36), totalCents: 12345, note: 'y'.repeat(40) }),
  );
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    const n = Math.min(BATCH, RECORDS - sent);
    await producer.send({
      messages: Array.from({ length: n }, (_, i) => ({
        topic: 'bench-big',
        partition: 0,
        key: Buffer.from(`k${(sent + i) % 1000}`),
        value,
        headers: new Map([[Buffer.from('ce_type'), Buffer.from('bench.order.v1')]]),
      })),
    });
  }
  await producer.send({
    messages: Array.from({ length: PARTITIONS * 10 }, (_, i) => ({
      topic: 'bench-lag',
      partition: i % PARTITIONS,
      value,
    })),
  });
  for (let g = 0; g < GROUPS; g++) {
    await admin.alterConsumerGroupOffsets({
      groupId: `bench-group-${g}`,
      topics: [
        {
          name: 'bench-lag',
          partitionOffsets: Array.from({ length: PARTITIONS }, (_, partition) => ({
            partition,
            offset: BigInt(g % 10),
          })),
        },
      ],
    });
  }
  await producer.close();
  await admin.close();
  console.log(
    `setup: ${RECORDS} records in one partition, ${GROUPS} groups × ${PARTITIONS} partitions (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  // The console as it runs under npm start, in its own process.
  const consoleChild = spawn(
    process.execPath,
    [fileURLToPath(new URL('../services/console/src/server.ts', import.meta.url))],
    {
      env: {
        ...process.env,
        PORT: '0',
        KAFKA_BROKERS: broker.address,
        DATA_DIR: join(dataDir, 'console'),
        LAG_SAMPLE_INTERVAL_MS: '3600000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(consoleChild);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: consoleChild.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'service ready' && entry.url) resolve(entry.url);
    });
    consoleChild.once('exit', (code) => reject(new Error(`console exited with ${code}`)));
  });

  const baselineChild = spawn(
    process.execPath,
    [fileURLToPath(new URL('./console-baseline.ts', import.meta.url)), broker.address],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  children.push(baselineChild);
  const answers: Interface = createInterface({ input: baselineChild.stdout! });
  const pending: ((ms: number) => void)[] = [];
  answers.on('line', (line) => pending.shift()?.(Number(line)));
  const baseline = (command: string) =>
    new Promise<number>((resolve) => {
      pending.push(resolve);
      baselineChild.stdin!.write(`${command}\n`);
    });
  const viaConsole = async (path: string, check: (body: Record<string, unknown>) => void) => {
    const start = performance.now();
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as Record<string, unknown>;
    const ms = performance.now() - start;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    check(body);
    return ms;
  };

  const views = [
    {
      name: `first page, ${RECORDS}-record partition (earliest)`,
      target: 300,
      console: () =>
        viaConsole('/api/topics/bench-big/partitions/0/messages', (b) => {
          if ((b.messages as unknown[]).length !== 50) throw new Error('expected a page of 50');
        }),
      baseline: () => baseline('page bench-big'),
    },
    {
      name: `first page, ${RECORDS}-record partition (latest)`,
      target: 300,
      console: () =>
        viaConsole('/api/topics/bench-big/partitions/0/messages?position=latest', (b) => {
          if ((b.messages as unknown[]).length !== 50) throw new Error('expected a page of 50');
        }),
      baseline: () => baseline('latest bench-big'),
    },
    {
      name: `lag view, ${GROUPS} groups × ${PARTITIONS} partitions`,
      target: 500,
      console: () =>
        viaConsole('/api/groups', (b) => {
          const groups = (b.groups as { id: string }[]).filter((g) => g.id.startsWith('bench-group-'));
          if (groups.length !== GROUPS) throw new Error(`expected ${GROUPS} groups, got ${groups.length}`);
        }),
      baseline: () => baseline('lag'),
    },
  ];
  // One warm-up round of each (connections, metadata, JIT), then alternating measured rounds.
  for (const view of views) {
    await view.console();
    await view.baseline();
  }
  console.log(`\n${ROUNDS} alternating rounds each (median / p95 ms):`);
  for (const view of views) {
    const c: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      c.push(await view.console());
      b.push(await view.baseline());
    }
    const verdict = p95(c) < view.target ? 'within' : 'OVER';
    console.log(
      `${view.name}: console ${median(c).toFixed(1)} / ${p95(c).toFixed(1)} ms (${verdict} the ${view.target} ms target), ` +
        `raw-client baseline ${median(b).toFixed(1)} / ${p95(b).toFixed(1)} ms, ratio ${(median(c) / median(b)).toFixed(2)}×`,
    );
  }
  baselineChild.stdin!.write('quit\n');
} finally {
  for (const child of children) child.kill('SIGTERM');
  await broker.stop();
  await rm(dataDir, { recursive: true, force: true });
}
