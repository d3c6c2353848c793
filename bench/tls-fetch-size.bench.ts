// What the TLS listener's response limit (--tls-fetch-max-bytes) does to consumers. One broker process per
// limit, each with a TLS listener and a plaintext one beside it (both SASL SCRAM-SHA-512, plaintext
// responses up to the default 4 MiB), holding the same records; in alternating rounds (the order of brokers
// and of listeners flips every round) @platformatic/kafka, in this process, reads the whole partition over
// each listener, and kcat (librdkafka, a process of its own) does the same. Printed per limit: the TLS ÷
// plaintext ratio of consume rates (the same records read from the same broker), and the CPU time per 100k
// records of the client and of the broker, which moves much less than rates when other work loads the machine.
// Usage: npm run bench:tls-fetch [-- --limits 4194304,1048576,262144 --records 200000 --rounds 5 --no-kcat]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { testCertificates } from '../packages/broker/test/support/test-certificates.ts';
import { startBrokerProcess } from './broker-process.ts';
import { cpuSecondsOf } from './process-cpu.ts';

const { values } = parseArgs({
  options: {
    limits: { type: 'string', default: '4194304,1048576,524288,262144,131072' },
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    'no-kcat': { type: 'boolean', default: false },
  },
});
const LIMITS = values.limits.split(',').map(Number);
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
if (LIMITS.some((l) => !Number.isInteger(l) || l < 1024) || !(RECORDS >= 1000) || !(ROUNDS >= 1)) {
  console.error('bench:tls-fetch: --limits are integers >= 1024, --records >= 1000, --rounds >= 1');
  process.exit(2);
}
const VALUE_BYTES = 1024;
const BATCH = 100;
const TOPIC = 'tls-fetch';
const SASL = { mechanism: 'SCRAM-SHA-512' as const, username: 'bench', password: 'bench-secret' };

const certs = await testCertificates();
const LISTENERS = ['tls', 'plain'] as const;
type Listener = (typeof LISTENERS)[number];

async function fill(address: string): Promise<void> {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [address], sasl: SASL });
  await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
  await admin.close();
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [address], sasl: SASL });
  const value = Buffer.alloc(VALUE_BYTES, 120);
  for (let from = 0; from < RECORDS; from += BATCH) {
    const messages = [];
    for (let i = from; i < Math.min(RECORDS, from + BATCH); i++)
      messages.push({ topic: TOPIC, partition: 0, key: Buffer.from(String(i)), value });
    await producer.send({ messages, acks: 1 });
  }
  await producer.close();
}

/** Reads the whole partition in a new group: seconds taken and this process's CPU seconds. */
async function consume(address: string, listener: Listener, groupId: string) {
  const consumer = new Consumer({
    clientId: 'bench',
    groupId,
    bootstrapBrokers: [address],
    sasl: SASL,
    ...(listener === 'tls' ? { tls: { ca: certs.ca } } : {}),
    maxBytes: 16 * 1024 * 1024,
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const stream = await consumer.consume({
    topics: [TOPIC],
    mode: 'earliest',
    autocommit: false,
    maxWaitTime: 100,
  });
  let count = 0;
  for await (const _ of stream) if (++count >= RECORDS) break;
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await stream.close();
  await consumer.close();
  return { seconds, cpu: (used.user + used.system) / 1e6 };
}

/** kcat reading the whole partition (process start and SASL login included): seconds taken. */
function kcat(address: string, listener: Listener): Promise<number> {
  const args = ['-C', '-b', address, '-t', TOPIC, '-o', 'beginning', '-c', String(RECORDS), '-q', '-f', ''];
  args.push('-X', `security.protocol=${listener === 'tls' ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`);
  args.push(
    '-X',
    'sasl.mechanisms=SCRAM-SHA-512',
    '-X',
    'sasl.username=bench',
    '-X',
    'sasl.password=bench-secret',
  );
  if (listener === 'tls') args.push('-X', `ssl.ca.location=${certs.caFile}`);
  const start = performance.now();
  return new Promise((resolve, reject) =>
    execFile('kcat', args, { maxBuffer: 1 << 30 }, (err) =>
      err ? reject(err) : resolve((performance.now() - start) / 1000),
    ),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results: Record<string, number[]> = {};
const note = (key: string, v: number) => {
  results[key] ??= [];
  results[key].push(v);
};

const brokers: { limit: number; dir: string; broker: Awaited<ReturnType<typeof startBrokerProcess>> }[] = [];
try {
  for (const limit of LIMITS) {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-tls-fetch-'));
    const broker = await startBrokerProcess(dir, [
      '--tls-cert-file',
      certs.certFile,
      '--tls-key-file',
      certs.keyFile,
      '--plaintext-port',
      '0',
      '--sasl-mechanisms',
      'SCRAM-SHA-512',
      '--sasl-users',
      'bench:bench-secret',
      '--tls-fetch-max-bytes',
      String(limit),
    ]);
    brokers.push({ limit, dir, broker });
    if (!broker.plaintextAddress) throw new Error('the broker did not report its plaintext listener');
    await fill(broker.plaintextAddress);
  }
  console.log(
    `${RECORDS} × ${VALUE_BYTES} B in batches of ${BATCH}, 1 partition; ${ROUNDS} alternating rounds, medians`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? brokers : [...brokers].reverse();
    const listeners = round % 2 === 0 ? LISTENERS : [...LISTENERS].reverse();
    for (const { limit, broker } of order) {
      for (const listener of listeners) {
        const address = listener === 'tls' ? broker.address : (broker.plaintextAddress ?? '');
        const before = await cpuSecondsOf(broker.pid);
        const run = await consume(address, listener, `bench-${round}-${listener}`);
        note(`${limit} ${listener} rate`, RECORDS / run.seconds);
        note(`${limit} ${listener} client`, run.cpu);
        note(`${limit} ${listener} broker`, (await cpuSecondsOf(broker.pid)) - before);
        if (!values['no-kcat']) note(`${limit} ${listener} kcat`, RECORDS / (await kcat(address, listener)));
      }
    }
  }
  const m = (key: string) => median(results[key]);
  const per100k = (key: string) => `${((m(key) / RECORDS) * 1e8).toFixed(0)} ms`;
  for (const { limit } of brokers) {
    const kcatLine = values['no-kcat']
      ? ''
      : `; kcat TLS ${Math.round(m(`${limit} tls kcat`))} rec/s, plaintext ${Math.round(m(`${limit} plain kcat`))}: ratio ${(m(`${limit} tls kcat`) / m(`${limit} plain kcat`)).toFixed(2)}`;
    console.log(
      `--tls-fetch-max-bytes ${limit / 1024} KiB: consume TLS ${Math.round(m(`${limit} tls rate`))} rec/s, plaintext ${Math.round(m(`${limit} plain rate`))}: ` +
        `ratio ${(m(`${limit} tls rate`) / m(`${limit} plain rate`)).toFixed(2)} (goal >= 0.70); ` +
        `CPU per 100k records, client TLS / plaintext ${per100k(`${limit} tls client`)} / ${per100k(`${limit} plain client`)}, ` +
        `broker ${per100k(`${limit} tls broker`)} / ${per100k(`${limit} plain broker`)}${kcatLine}`,
    );
  }
} finally {
  for (const { broker, dir } of brokers) {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  await certs.remove();
}
