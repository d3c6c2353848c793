// Broker throughput with @platformatic/kafka (1 KiB values, batches of 500), next to this machine's loopback
// TCP throughput measured in the same run. Usage: npm run bench:broker [-- --records 200000 --flush interval|every-append|os]

import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { startBrokerProcess } from './broker-process.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    flush: { type: 'string', default: 'interval' },
    'value-bytes': { type: 'string', default: '1024' },
  },
});
const RECORDS = Number(values.records);
const VALUE_BYTES = Number(values['value-bytes']);
if (!Number.isInteger(RECORDS) || RECORDS < 1000) throw new Error('--records must be an integer >= 1000');
if (!['interval', 'every-append', 'os'].includes(String(values.flush))) {
  throw new Error('--flush must be interval, every-append or os');
}
if (!Number.isInteger(VALUE_BYTES) || VALUE_BYTES < 1)
  throw new Error('--value-bytes must be a positive integer');
const BATCH = 500;
const IN_FLIGHT = 4;
const MB = 1024 * 1024;

async function loopbackMBps(totalBytes: number): Promise<number> {
  const server = createServer((s) => s.on('data', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const chunk = Buffer.alloc(64 * 1024, 1);
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', r));
  const start = performance.now();
  let sent = 0;
  while (sent < totalBytes) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise<void>((r) => socket.once('drain', r));
  }
  await new Promise<void>((r) => socket.end(r));
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return totalBytes / MB / seconds;
}

async function produce(address: string, topic: string, partitions: number, records: number) {
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [address], acks: -1 });
  const value = Buffer.alloc(VALUE_BYTES, 120);
  // Warm-up: one record per partition, so segment files exist before timing (creating a file and the first
  // fdatasync of a new inode are one-time costs per partition, not per-record costs).
  for (let p = 0; p < partitions; p += 500) {
    const messages = [];
    for (let q = p; q < Math.min(partitions, p + 500); q++) messages.push({ topic, partition: q, value });
    await producer.send({ messages });
  }
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < records) {
      const from = next;
      next += BATCH;
      // Each request carries one batch of BATCH records for one partition (rotating), so the batch size
      // per partition is the same whatever the partition count: what changes is only how many logs are hot.
      const partition = (from / BATCH) % partitions;
      const messages = [];
      for (let i = from; i < Math.min(records, from + BATCH); i++) {
        messages.push({ topic, partition, key: Buffer.from(String(i)), value });
      }
      await producer.send({ messages });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - start) / 1000;
  await producer.close();
  return seconds;
}

async function consume(address: string, topic: string, records: number) {
  const consumer = new Consumer({
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
  for await (const _ of stream) {
    if (++count >= records) break;
  }
  const seconds = (performance.now() - start) / 1000;
  await stream.close();
  await consumer.close();
  return seconds;
}

const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-'));
const broker = await startBrokerProcess(dataDir, ['--flush', String(values.flush)]);
try {
  const loopback = await loopbackMBps(1024 * MB);
  console.log(`loopback TCP (64 KiB writes, same process tree): ${loopback.toFixed(0)} MB/s`);
  console.log(
    `records: ${RECORDS} × ${VALUE_BYTES} B values, batches of ${BATCH}, ${IN_FLIGHT} in flight, acks=-1, flush policy ${values.flush}\n`,
  );
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.address] });
  const rows: string[] = [];
  const perRecordUs: Record<number, number> = {};
  for (const partitions of [1, 8, 1000]) {
    const topic = `bench-${partitions}`;
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    const records = RECORDS;
    const p = await produce(broker.address, topic, partitions, records);
    const c = await consume(broker.address, topic, records + partitions);
    const mb = (records * VALUE_BYTES) / MB;
    perRecordUs[partitions] = (p * 1e6) / records;
    const fmt = (s: number) =>
      Number.isNaN(s)
        ? '-'
        : `${Math.round(records / s).toLocaleString('en')} rec/s ${(mb / s).toFixed(0)} MB/s (${((mb / s / loopback) * 100).toFixed(1)}% of loopback)`;
    rows.push(`${String(partitions).padStart(5)} partitions | produce ${fmt(p)} | consume ${fmt(c)}`);
    console.log(rows.at(-1));
  }
  await admin.close();
  console.log(
    `\nproduce cost per record: 1 partition ${perRecordUs[1].toFixed(2)} µs, 1000 partitions ${perRecordUs[1000].toFixed(2)} µs (ratio ${(perRecordUs[1000] / perRecordUs[1]).toFixed(2)})`,
  );
} finally {
  await broker.stop();
  await rm(dataDir, { recursive: true, force: true });
}
