// Broker throughput, memory and durability cost. Two broker processes run side by side, one with the
// default flush policy (acks=-1 waits for fdatasync, group commit) and one with `--flush os`; rounds
// alternate which goes first so machine noise hits both. The load generator (@platformatic/kafka, and a
// raw-wire fetch loop) runs in this process; the loopback baseline is a process of its own, and its
// reader receives the same way as the fetch loop (straight into a reused buffer). Besides rates, the
// broker's CPU time per run is printed: it moves much less than rates when other work loads the machine.
// A third broker (default flush) serves TLS with SASL SCRAM-SHA-512, so what security costs is a ratio
// against the plaintext default broker, measured in the same rounds.
// The default policy's produce is bound by the disk's fdatasync, so each of its runs is followed by the disk
// alone (bench/disk-sync.ts, a process of its own) appending the same bytes in the same-sized flush rounds
// the broker made (read from its fsync metrics): when the two take about as long, the disk sets the rate.
// `--fetch-max-bytes` is passed to all three brokers: how large a response is changes what a consumer
// spends parsing it (see the README), for plaintext and TLS alike. `--tls-fetch-max-bytes` goes to the TLS
// broker (its responses are smaller by default, 512 KiB); setting it to the fetch-max-bytes of the others
// compares TLS and plaintext with responses of the same size.
// Usage: npm run bench:broker [-- --records 200000 --value-bytes 1024 --rounds 3 --fetch-max-bytes 4194304
//   --tls-fetch-max-bytes 524288]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { resolveBrokerConfig } from '../packages/broker/src/config.ts';
import { testCertificates } from '../packages/broker/test/support/test-certificates.ts';
import { startBrokerProcess } from './broker-process.ts';
import { loopbackRead, rawFetchAll } from './raw-fetch.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    'value-bytes': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    'fetch-max-bytes': { type: 'string' },
    'tls-fetch-max-bytes': { type: 'string' },
  },
});
const RECORDS = Number(values.records);
const VALUE_BYTES = Number(values['value-bytes']);
const ROUNDS = Number(values.rounds);
for (const [name, v, min] of [
  ['records', RECORDS, 1000],
  ['value-bytes', VALUE_BYTES, 1],
  ['rounds', ROUNDS, 1],
  ['fetch-max-bytes', Number(values['fetch-max-bytes'] ?? 1024), 1024],
  ['tls-fetch-max-bytes', Number(values['tls-fetch-max-bytes'] ?? 1024), 1024],
] as const) {
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench:broker: --${name} must be an integer >= ${min} (got ${String(v)})`);
    process.exit(2);
  }
}
const BATCH = 100;
const IN_FLIGHT = 16;
const MB = 1024 * 1024;
const PARTITION_COUNTS = [1, 8];

/** TLS and SASL settings of the clients of the secure broker (empty for the others). */
type ClientSecurity = Record<string, unknown>;

async function produce(
  address: string,
  topic: string,
  partitions: number,
  security: ClientSecurity = {},
): Promise<number> {
  // @platformatic/kafka takes acks per send (the constructor's acks only matter for idempotent producers).
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: [address],
    maxInflights: IN_FLIGHT,
    ...security,
  });
  const value = Buffer.alloc(VALUE_BYTES, 120);
  const warm = [];
  for (let q = 0; q < partitions; q++) warm.push({ topic, partition: q, value });
  await producer.send({ messages: warm, acks: -1 });
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < RECORDS) {
      const from = next;
      next += BATCH;
      const partition = (from / BATCH) % partitions;
      const messages = [];
      for (let i = from; i < Math.min(RECORDS, from + BATCH); i++)
        messages.push({ topic, partition, key: Buffer.from(String(i)), value });
      await producer.send({ messages, acks: -1 });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - start) / 1000;
  await producer.close();
  return seconds;
}

async function consume(
  address: string,
  topic: string,
  records: number,
  security: ClientSecurity = {},
): Promise<number> {
  const consumer = new Consumer({
    ...security,
    clientId: 'bench',
    groupId: `bench-${topic}`,
    bootstrapBrokers: [address],
    maxBytes: 16 * MB,
  });
  const start = performance.now();
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: false,
    maxWaitTime: 100,
  });
  let count = 0;
  for await (const _ of stream) if (++count >= records) break;
  const seconds = (performance.now() - start) / 1000;
  await stream.close();
  await consumer.close();
  return seconds;
}

async function startLoopback(bytes: number): Promise<{ port: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./loopback-server.ts', import.meta.url)), String(bytes)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve) =>
    createInterface({ input: child.stdout }).once('line', (l) => resolve(Number(l))),
  );
  return { port, stop: () => child.kill('SIGTERM') };
}

/**
 * CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s, Linux's USER_HZ).
 * What the broker spends per record is steadier than its rate on a machine others load.
 */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `work` and notes the CPU seconds this process (the client) spent meanwhile under `key`. */
async function withClientCpu<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  note(key, (used.user + used.system) / 1e6);
  return result;
}

/** Runs `work` and notes the broker's CPU seconds it took under `key`. */
async function withCpu<T>(key: string, pid: number | undefined, work: () => Promise<T>): Promise<T> {
  const before = await cpuSeconds(pid);
  const result = await work();
  note(key, (await cpuSeconds(pid)) - before);
  return result;
}

/** Sums the samples of `name` in a Prometheus text page whose labels contain `labels` (all when empty). */
function sample(page: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function metricsPage(url: string | undefined): Promise<string> {
  if (!url) throw new Error('the broker was started without --metrics-port');
  return (await fetch(url)).text();
}

/** Runs bench/disk-sync.ts: seconds to append `bytes` to a new file in `dir`, fdatasync every `chunk`. */
async function diskSyncSeconds(dir: string, bytes: number, chunk: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./disk-sync.ts', import.meta.url)), dir, String(bytes), String(chunk)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`disk-sync exited with ${code}`)));
  });
  return Number(line);
}

async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtRate = (records: number, seconds: number) =>
  `${Math.round(records / seconds).toLocaleString('en')} rec/s (${((records * VALUE_BYTES) / MB / seconds).toFixed(0)} MB/s)`;

const dirs = [
  await mkdtemp(join(tmpdir(), 'tributary-bench-a-')),
  await mkdtemp(join(tmpdir(), 'tributary-bench-b-')),
  await mkdtemp(join(tmpdir(), 'tributary-bench-c-')),
];
const certs = await testCertificates();
const fetchArgs =
  values['fetch-max-bytes'] === undefined ? [] : ['--fetch-max-bytes', values['fetch-max-bytes']];
const brokers = {
  // Both with metrics, so that what they cost is the same on each side.
  default: await startBrokerProcess(dirs[0], ['--metrics-port', '0', ...fetchArgs]),
  os: await startBrokerProcess(dirs[1], ['--flush', 'os', '--metrics-port', '0', ...fetchArgs]),
  secure: await startBrokerProcess(dirs[2], [
    ...fetchArgs,
    ...(values['tls-fetch-max-bytes'] === undefined
      ? []
      : ['--tls-fetch-max-bytes', values['tls-fetch-max-bytes']]),
    '--tls-cert-file',
    certs.certFile,
    '--tls-key-file',
    certs.keyFile,
    '--sasl-mechanisms',
    'SCRAM-SHA-512',
    '--sasl-users',
    'bench:bench-secret',
  ]),
};
const secureClient: ClientSecurity = {
  tls: { ca: certs.ca },
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: 'bench-secret' },
};
const policies = ['default', 'os'] as const;
const results: Record<string, number[]> = {};
const note = (key: string, v: number) => {
  results[key] ??= [];
  results[key].push(v);
};
let written = 0;
try {
  console.log(
    `${RECORDS} × ${VALUE_BYTES} B per run, batches of ${BATCH}, ${IN_FLIGHT} in flight, acks=-1; ${ROUNDS} alternating rounds, medians`,
  );
  const loopback = await startLoopback(1024 * MB);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? policies : ([...policies].reverse() as (typeof policies)[number][]);
    const loop = await loopbackRead(loopback.port);
    note('loopback GB/s', loop.bytes / 1e9 / loop.seconds);
    for (const policy of order) {
      const broker = brokers[policy];
      const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.address] });
      for (const partitions of PARTITION_COUNTS) {
        const topic = `bench-r${round}-p${partitions}`;
        await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
        const before = await metricsPage(broker.metricsUrl);
        const seconds = await withCpu(`${policy} produce p${partitions} cpu`, broker.pid, () =>
          withClientCpu(`${policy} produce p${partitions} client cpu`, () =>
            produce(broker.address, topic, partitions),
          ),
        );
        note(`${policy} produce p${partitions}`, RECORDS / seconds);
        if (policy === 'default') {
          const after = await metricsPage(broker.metricsUrl);
          const fsync = 'tributary_broker_fsync_duration_seconds';
          const syncs = sample(after, `${fsync}_count`) - sample(before, `${fsync}_count`);
          const syncSeconds = sample(after, `${fsync}_sum`) - sample(before, `${fsync}_sum`);
          const bytes = sample(after, 'tributary_broker_log_size_bytes', `topic="${topic}"`);
          note(`default produce p${partitions} MB per fsync`, bytes / MB / syncs);
          note(`default produce p${partitions} fsync busy`, syncSeconds / seconds);
          const disk = await diskSyncSeconds(dirs[0], bytes, Math.max(4096, Math.round(bytes / syncs)));
          note(`disk p${partitions}`, RECORDS / disk);
        }
        const consumeSeconds = await withCpu(`${policy} consume p${partitions} cpu`, broker.pid, () =>
          withClientCpu(`${policy} consume p${partitions} client cpu`, () =>
            consume(broker.address, topic, RECORDS + partitions),
          ),
        );
        note(`${policy} consume p${partitions}`, RECORDS / consumeSeconds);
        written += RECORDS * VALUE_BYTES;
        if (partitions === 1) {
          const raw = await withCpu(`${policy} raw fetch cpu`, broker.pid, () =>
            rawFetchAll(broker.address, topic, 0, RECORDS + 1),
          );
          note(`${policy} raw fetch GB/s`, raw.bytes / 1e9 / raw.seconds);
          note(`${policy} raw fetch GB`, raw.bytes / 1e9);
        }
      }
      await admin.close();
    }
    // TLS + SCRAM against the plaintext default broker, one partition, the same work.
    const secure = brokers.secure;
    const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [secure.address], ...secureClient });
    const topic = `bench-r${round}-secure`;
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    await admin.close();
    note('secure produce p1', RECORDS / (await produce(secure.address, topic, 1, secureClient)));
    const secureSeconds = await withCpu('secure consume p1 cpu', secure.pid, () =>
      withClientCpu('secure consume p1 client cpu', () =>
        consume(secure.address, topic, RECORDS + 1, secureClient),
      ),
    );
    note('secure consume p1', RECORDS / secureSeconds);
  }
  loopback.stop();
  console.log('');
  for (const partitions of PARTITION_COUNTS) {
    const d = median(results[`default produce p${partitions}`]);
    const o = median(results[`os produce p${partitions}`]);
    console.log(
      `${partitions} partition(s): produce default ${fmtRate(d, 1)}, --flush os ${fmtRate(o, 1)}: ratio ${(d / o).toFixed(2)} (goal >= 0.90)`,
    );
    const disk = median(results[`disk p${partitions}`]);
    console.log(
      `${partitions} partition(s): default policy made ${median(results[`default produce p${partitions} MB per fsync`]).toFixed(2)} MB per fsync, ` +
        `fdatasync busy ${(median(results[`default produce p${partitions} fsync busy`]) * 100).toFixed(0)} % of the run (summed over partitions); ` +
        `the disk alone, same bytes and rounds: ${fmtRate(disk, 1)}: default ÷ disk ${(d / disk).toFixed(2)}`,
    );
    console.log(
      `${partitions} partition(s): consume default ${fmtRate(median(results[`default consume p${partitions}`]), 1)}, --flush os ${fmtRate(median(results[`os consume p${partitions}`]), 1)}`,
    );
  }
  const perRecords = (key: string) => `${((median(results[key]) / RECORDS) * 1e8).toFixed(0)} ms`;
  for (const policy of policies)
    for (const partitions of PARTITION_COUNTS)
      console.log(
        `broker CPU per 100k records (${policy}, ${partitions} partition(s)): produce ${perRecords(`${policy} produce p${partitions} cpu`)} (client ${perRecords(`${policy} produce p${partitions} client cpu`)}), consume ${perRecords(`${policy} consume p${partitions} cpu`)}`,
      );
  const defaults = resolveBrokerConfig({});
  const plainResponse = Number(values['fetch-max-bytes'] ?? defaults.fetchMaxBytes);
  const tlsResponse = Math.min(
    plainResponse,
    Number(values['tls-fetch-max-bytes'] ?? defaults.tlsFetchMaxBytes),
  );
  console.log(
    `fetch responses of at most ${plainResponse / 1024} KiB plaintext, ${tlsResponse / 1024} KiB over TLS (the brokers' limits)`,
  );
  for (const what of ['produce', 'consume']) {
    const plain = median(results[`default ${what} p1`]);
    const secure = median(results[`secure ${what} p1`]);
    console.log(
      `1 partition: ${what} TLS + SCRAM-SHA-512 ${fmtRate(secure, 1)}, plaintext ${fmtRate(plain, 1)}: ratio ${(secure / plain).toFixed(2)} (goal >= 0.70)`,
    );
  }
  console.log(
    `1 partition: consume CPU per 100k records, broker / client: TLS + SCRAM ${perRecords('secure consume p1 cpu')} / ${perRecords('secure consume p1 client cpu')}, plaintext ${perRecords('default consume p1 cpu')} / ${perRecords('default consume p1 client cpu')}; ` +
      `client TLS ÷ plaintext ${(median(results['secure consume p1 client cpu']) / median(results['default consume p1 client cpu'])).toFixed(2)}`,
  );
  const loop = median(results['loopback GB/s']);
  for (const policy of policies) {
    const raw = median(results[`${policy} raw fetch GB/s`]);
    console.log(
      `raw-wire fetch (${policy}): ${raw.toFixed(2)} GB/s; loopback ${loop.toFixed(2)} GB/s: ratio ${(raw / loop).toFixed(2)}; broker CPU ${((median(results[`${policy} raw fetch cpu`]) / median(results[`${policy} raw fetch GB`])) * 1000).toFixed(0)} ms per GB`,
    );
  }
  for (const policy of policies) {
    const pid = brokers[policy].pid;
    if (pid)
      console.log(
        `broker RSS (${policy}) after writing ${(written / 2 / 2 ** 30).toFixed(2)} GiB: ${(await rssMB(pid)).toFixed(0)} MB`,
      );
  }
} finally {
  await brokers.default.stop();
  await brokers.os.stop();
  await brokers.secure.stop();
  await certs.remove();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
