// Broker memory as stored data grows, and restart time after a clean shutdown and after a crash.
// One broker process (default flush policy) takes `--gib` GiB of 1 KiB records over the raw wire (about
// 1 MB per request in batches of `--batch-records`, pipelined; small batches mean many index entries), its RSS sampled after each quarter GiB; then every record is fetched back (which
// reads every segment's offset index); then it is stopped cleanly and restarted, killed with SIGKILL and
// restarted. The baseline of each figure is the same broker before the data: RSS when idle with an empty
// topic, and the time to start on an empty data directory.
// Usage: npm run bench:broker-memory [-- --gib 4 --partitions 4 --batch-records 900]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { encodeRecordBatch } from '@tributary/kafka-protocol';
import { startBrokerProcess } from './broker-process.ts';
import { rawFetchAll, rawProduce } from './raw-fetch.ts';

const { values } = parseArgs({
  options: {
    gib: { type: 'string', default: '4' },
    partitions: { type: 'string', default: '4' },
    'batch-records': { type: 'string', default: '900' },
  },
});
const GIB = Number(values.gib);
const PARTITIONS = Number(values.partitions);
if (!(GIB > 0 && GIB <= 64)) {
  console.error(`bench:broker-memory: --gib must be a number in (0, 64] (got ${values.gib})`);
  process.exit(2);
}
if (!Number.isInteger(PARTITIONS) || PARTITIONS < 1 || PARTITIONS > 64) {
  console.error(`bench:broker-memory: --partitions must be an integer 1..64 (got ${values.partitions})`);
  process.exit(2);
}
const BATCH_RECORDS = Number(values['batch-records']);
if (!Number.isInteger(BATCH_RECORDS) || BATCH_RECORDS < 1 || BATCH_RECORDS > 900) {
  console.error(
    `bench:broker-memory: --batch-records must be an integer 1..900 (got ${values['batch-records']})`,
  );
  process.exit(2);
}
/** Records in one request: as many whole batches as fit in 900 records (under the 1 MiB message limit). */
const RECORDS_PER_REQUEST = Math.floor(900 / BATCH_RECORDS) * BATCH_RECORDS;
const VALUE_BYTES = 1024;
const TOPIC = 'memory';

async function rssMB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Starts a broker on `dir` and returns it with the milliseconds until it listened. */
async function timedStart(dir: string) {
  const start = performance.now();
  const broker = await startBrokerProcess(dir);
  return { broker, ms: performance.now() - start };
}

const oneBatch = encodeRecordBatch({
  baseTimestamp: BigInt(Date.now()),
  producerId: -1n,
  producerEpoch: -1,
  baseSequence: -1,
  records: Array.from({ length: BATCH_RECORDS }, (_, i) => ({
    offsetDelta: i,
    key: null,
    value: Buffer.alloc(VALUE_BYTES, 97 + (i % 26)),
    headers: [],
  })),
});
const batch = Buffer.concat(Array.from({ length: RECORDS_PER_REQUEST / BATCH_RECORDS }, () => oneBatch));
const requests = Math.ceil((GIB * 2 ** 30) / batch.length);
const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-memory-'));
const empty = await mkdtemp(join(tmpdir(), 'tributary-bench-memory-empty-'));
try {
  const fresh = await timedStart(empty);
  await fresh.broker.stop();

  let { broker } = await timedStart(dir);
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.address] });
  await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
  await admin.close();
  const idle = await rssMB(broker.pid);
  console.log(
    `${GIB} GiB in batches of ${BATCH_RECORDS} × ${VALUE_BYTES} B records, ${PARTITIONS} partition(s); broker RSS idle with an empty topic: ${idle.toFixed(0)} MB`,
  );
  const step = 2 ** 28;
  let nextReport = step;
  const started = performance.now();
  await rawProduce(broker.address, TOPIC, PARTITIONS, batch, requests, 8, async (bytes) => {
    if (bytes < nextReport) return;
    nextReport += step;
    const rss = await rssMB(broker.pid);
    console.log(
      `broker RSS after ${(bytes / 2 ** 30).toFixed(2)} GiB written: ${rss.toFixed(0)} MB (${(rss / idle).toFixed(2)}x idle)`,
    );
  });
  const written = requests * batch.length;
  const produceSeconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${(written / 2 ** 30).toFixed(2)} GiB in ${produceSeconds.toFixed(1)} s (${(written / produceSeconds / 2 ** 20).toFixed(0)} MiB/s, acks=-1)`,
  );
  let fetched = 0;
  const fetchStart = performance.now();
  for (let p = 0; p < PARTITIONS; p++) {
    const end =
      (Math.floor(requests / PARTITIONS) + (p < requests % PARTITIONS ? 1 : 0)) * RECORDS_PER_REQUEST;
    fetched += (await rawFetchAll(broker.address, TOPIC, p, end)).bytes;
  }
  const fetchSeconds = (performance.now() - fetchStart) / 1000;
  const afterRead = await rssMB(broker.pid);
  console.log(
    `read ${(fetched / 2 ** 30).toFixed(2)} GiB back in ${fetchSeconds.toFixed(1)} s; broker RSS then: ${afterRead.toFixed(0)} MB (${(afterRead / idle).toFixed(2)}x idle)`,
  );

  await broker.stop();
  let restart = await timedStart(dir);
  broker = restart.broker;
  console.log(
    `start on an empty data directory: ${fresh.ms.toFixed(0)} ms; after a clean shutdown with ${(written / 2 ** 30).toFixed(2)} GiB: ${restart.ms.toFixed(0)} ms (${(restart.ms / fresh.ms).toFixed(2)}x); RSS then ${(await rssMB(broker.pid)).toFixed(0)} MB`,
  );
  await broker.kill();
  restart = await timedStart(dir);
  broker = restart.broker;
  console.log(
    `start after SIGKILL with ${(written / 2 ** 30).toFixed(2)} GiB: ${restart.ms.toFixed(0)} ms (${(restart.ms / fresh.ms).toFixed(2)}x empty)`,
  );
  await broker.stop();
} finally {
  await rm(dir, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
}
