// What the broker's metrics cost: two broker processes side by side, one without metrics and one with
// `--metrics-port`, take the same small requests (one record per Produce, so per-request recording weighs
// the most), then a consumer reads it all; the broker with metrics is scraped after each run.
// Rounds alternate which goes first; the brokers' CPU time per 100k requests is the figure (rates move with
// whatever else loads the machine, CPU time much less). First, in this process, what recording one request
// costs on its own (a Produce response of one partition), for scale against the broker's CPU per request.
// Usage: npm run bench:broker-metrics [-- --records 50000 --rounds 3]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Consumer, Producer } from '@platformatic/kafka';
import { Registry } from 'prom-client';
import { createRequestMetrics } from '../packages/broker/src/metrics/request-metrics.ts';
import { startBrokerProcess } from './broker-process.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
for (const [name, v, min] of [
  ['records', RECORDS, 1000],
  ['rounds', ROUNDS, 1],
] as const) {
  if (!Number.isInteger(v) || v < min) {
    console.error(`bench:broker-metrics: --${name} must be an integer >= ${min} (got ${String(v)})`);
    process.exit(2);
  }
}
const IN_FLIGHT = 16;
const PARTITIONS = 4;

async function produce(address: string, topic: string): Promise<void> {
  const producer = new Producer({
    clientId: 'bench',
    bootstrapBrokers: [address],
    maxInflights: IN_FLIGHT,
    autocreateTopics: true,
  });
  const value = Buffer.alloc(100, 120);
  let next = 0;
  const worker = async () => {
    while (next < RECORDS) {
      const i = next++;
      await producer.send({ messages: [{ topic, partition: i % PARTITIONS, value }], acks: 1 });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await producer.close();
}

async function consume(address: string, topic: string): Promise<void> {
  const consumer = new Consumer({
    clientId: 'bench',
    groupId: `bench-${topic}`,
    bootstrapBrokers: [address],
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: true,
    maxWaitTime: 100,
  });
  let count = 0;
  for await (const _ of stream) if (++count >= RECORDS) break;
  await stream.close();
  await consumer.close();
}

/** CPU seconds (user + system) of a process, from /proc (clock ticks of 1/100 s). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function recordingNs(): number {
  const observer = createRequestMetrics(new Registry(), [{ apiKey: 0, name: 'Produce', maxVersion: 11 }]);
  const response = {
    responses: [{ name: 'bench', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 42 }] }],
    throttleTimeMs: 0,
  };
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) observer.answered(0, 9, 0.0004, 180, 60, response);
    runs.push(((performance.now() - started) * 1e6) / 200_000);
  }
  return median(runs);
}
console.log(`recording one request (in process): ${recordingNs().toFixed(0)} ns`);
const dirs = [
  await mkdtemp(join(tmpdir(), 'tributary-bench-plain-')),
  await mkdtemp(join(tmpdir(), 'tributary-bench-metrics-')),
];
const brokers = {
  off: await startBrokerProcess(dirs[0], []),
  on: await startBrokerProcess(dirs[1], ['--metrics-port', '0']),
};
const cpu: Record<keyof typeof brokers, number[]> = { off: [], on: [] };
const scrapeMs: number[] = [];
try {
  console.log(
    `${RECORDS} one-record Produce requests (acks=1, ${IN_FLIGHT} in flight, ${PARTITIONS} partitions), then consumed; ${ROUNDS} alternating rounds, medians`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order: (keyof typeof brokers)[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const which of order) {
      const broker = brokers[which];
      const topic = `bench-r${round}`;
      const before = await cpuSeconds(broker.pid);
      await produce(broker.address, topic);
      await consume(broker.address, topic);
      cpu[which].push((await cpuSeconds(broker.pid)) - before);
      if (which === 'on') {
        // A scrape's own cost, with this round's topics and group in it (Prometheus asks every 15 s).
        const started = performance.now();
        const res = await fetch(brokers.on.metricsUrl ?? '');
        await res.text();
        scrapeMs.push(performance.now() - started);
      }
    }
  }
  const per100k = (which: keyof typeof brokers) => (median(cpu[which]) / RECORDS) * 100_000;
  console.log(
    `broker CPU per 100k requests: metrics off ${per100k('off').toFixed(2)} s, on ${per100k('on').toFixed(2)} s: ratio ${(per100k('on') / per100k('off')).toFixed(2)}`,
  );
  console.log(`scrape: median ${median(scrapeMs).toFixed(1)} ms (${scrapeMs.length} scrapes)`);
} finally {
  await brokers.off.stop();
  await brokers.on.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
