// The messaging library against the raw @platformatic/kafka client on the same broker in the same run:
// publish and consume throughput and their ratios; what telemetry costs a consumer (the runner with the
// OpenTelemetry SDK on and with OTEL_SDK_DISABLED, each in a process of its own, alternating); plus outbox
// latency from commit to the broker with LISTEN/NOTIFY and with polling only.
// Usage: npm run bench:messaging [-- --events 20000]
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { createPgliteDatabase, type Database, runMigrations } from '@tributary/database';
import {
  ConsumerRunner,
  createKafkaTransport,
  createOutboxRelay,
  EventPublisher,
  OUTBOX_MIGRATIONS,
  type OutboxPublisher,
  outbox,
} from '@tributary/messaging';
import { pino } from 'pino';
import { BenchEvent, benchPayload as payload, benchRegistry as registry } from './bench-event.ts';
import { startBrokerProcess } from './broker-process.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' } } });
const EVENTS = Number(values.events);
if (!Number.isInteger(EVENTS) || EVENTS < 1000) throw new Error('--events must be an integer >= 1000');
const IN_FLIGHT = 64;
const CONSUME_ROUNDS = 9;
const TELEMETRY_ROUNDS = 6;

async function timed(count: number, send: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const logger = pino({ level: 'warn' });
const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-messaging-'));
const broker = await startBrokerProcess(join(dataDir, 'broker'));
const transport = createKafkaTransport({ brokers: [broker.address], clientId: 'bench-lib', logger });
try {
  // Publish: the library (validation, envelope, retry + breaker) against the raw idempotent producer.
  const publisher = new EventPublisher({ transport, source: '/bench', registry, logger });
  const raw = new Producer({
    clientId: 'bench-raw',
    bootstrapBrokers: [broker.address],
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
    autocreateTopics: true,
  });
  await publisher.publishEvent(BenchEvent, payload(-1));
  await raw.send({ messages: [{ topic: 'bench-raw', key: 'warm', value: '{}' }] });
  const rawPublish = await timed(EVENTS, (n) =>
    raw.send({
      messages: [
        {
          topic: 'bench-raw',
          key: payload(n).id,
          value: JSON.stringify(payload(n)),
          headers: { ce_id: randomUUID(), ce_type: BenchEvent.ceType, 'content-type': 'application/json' },
        },
      ],
    }),
  );
  const libPublish = await timed(EVENTS, (n) => publisher.publishEvent(BenchEvent, payload(n)));
  await raw.close();
  const rate = (s: number) => EVENTS / s;
  console.log(`events: ${EVENTS} of ~300 B, ${IN_FLIGHT} in flight, acks=-1, broker in its own process`);
  console.log(
    `publish   library ${rate(libPublish).toFixed(0)} events/s | raw @platformatic/kafka ${rate(rawPublish).toFixed(0)} events/s | ratio ${(rawPublish / libPublish).toFixed(2)}`,
  );

  // Consume: the ConsumerRunner (decode, validate, per-partition order, commit) against a raw stream that
  // parses and commits. Both read the same topic (same records, same batches) from the start, each round in
  // a new group, alternating; the median round counts (a 2-core machine is noisy).
  const TOTAL = EVENTS + 1; // the warm-up event too
  const rawConsumeOnce = async (round: number): Promise<number> => {
    const rawConsumer = new Consumer({
      clientId: 'bench-raw-c',
      groupId: `bench-raw-group-${round}`,
      bootstrapBrokers: [broker.address],
      deserializers: stringDeserializers,
    });
    const start = performance.now();
    const stream = await rawConsumer.consume({
      topics: [BenchEvent.topic],
      mode: 'earliest',
      autocommit: false,
      maxWaitTime: 100,
    });
    // The same job done by hand: read each event's JSON and commit what was read (every 1000 records and
    // at the end), as an at-least-once consumer must.
    let count = 0;
    let parsed = 0;
    const toCommit = new Map<
      number,
      { topic: string; partition: number; offset: bigint; leaderEpoch: number }
    >();
    for await (const message of stream) {
      parsed += typeof JSON.parse(message.value) === 'object' ? 1 : 0;
      const { topic, partition, offset, leaderEpoch } = message;
      toCommit.set(partition, { topic, partition, offset: offset + 1n, leaderEpoch });
      if (++count % 1000 === 0 || count >= TOTAL) {
        await rawConsumer.commit({ offsets: [...toCommit.values()] });
        toCommit.clear();
      }
      if (count >= TOTAL) break;
    }
    if (parsed !== TOTAL) throw new Error(`raw consumer read ${parsed} events of ${TOTAL}`);
    const seconds = (performance.now() - start) / 1000;
    await stream.close();
    await rawConsumer.close();
    return seconds;
  };
  const libConsumeOnce = async (round: number): Promise<number> => {
    const runner = new ConsumerRunner({
      transport,
      group: `bench-lib-group-${round}`,
      registry,
      logger,
      publisher,
    });
    let count = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((r) => {
      done = r;
    });
    runner.subscribe(BenchEvent, () => {
      if (++count >= TOTAL) done();
    });
    const start = performance.now();
    await runner.start();
    await all;
    const seconds = (performance.now() - start) / 1000;
    await runner.stop();
    return seconds;
  };
  const rawRounds: number[] = [];
  const libRounds: number[] = [];
  for (let round = 0; round < CONSUME_ROUNDS; round++) {
    rawRounds.push(await rawConsumeOnce(round));
    libRounds.push(await libConsumeOnce(round));
  }
  const rawConsume = percentile(rawRounds, 50);
  const libConsume = percentile(libRounds, 50);
  console.log(
    `consume   library ${rate(libConsume).toFixed(0)} events/s | raw @platformatic/kafka ${rate(rawConsume).toFixed(0)} events/s | ratio ${(rawConsume / libConsume).toFixed(2)} (median of ${CONSUME_ROUNDS} rounds; ratios ${rawRounds.map((r, i) => (r / libRounds[i]).toFixed(2)).join(', ')})`,
  );

  // Telemetry's cost to a consumer: the same runner in a process of its own with the SDK on (spans made,
  // metrics recorded, as a service runs by default) and off (OTEL_SDK_DISABLED), alternating which goes
  // first; each round reads the whole topic in a new group, timed from its first event to its last.
  const worker = fileURLToPath(new URL('./telemetry-consume-worker.ts', import.meta.url));
  const runWorker = async (
    mode: 'on' | 'off',
    round: number,
  ): Promise<{ seconds: number; cpuMs: number }> => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      worker,
      broker.address,
      `bench-telemetry-${mode}-${round}`,
      String(TOTAL),
      mode,
    ]);
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; cpuMs: number };
  };
  const onRounds: { seconds: number; cpuMs: number }[] = [];
  const offRounds: { seconds: number; cpuMs: number }[] = [];
  for (let round = 0; round < TELEMETRY_ROUNDS; round++) {
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const mode of order) (mode === 'on' ? onRounds : offRounds).push(await runWorker(mode, round));
  }
  const onConsume = percentile(
    onRounds.map((r) => r.seconds),
    50,
  );
  const offConsume = percentile(
    offRounds.map((r) => r.seconds),
    50,
  );
  const perSecond = (s: number) => (TOTAL - 1) / s;
  console.log(
    `consume   telemetry on ${perSecond(onConsume).toFixed(0)} events/s | off (OTEL_SDK_DISABLED) ${perSecond(offConsume).toFixed(0)} events/s | on ÷ off ${(offConsume / onConsume).toFixed(2)} (goal >= 0.90; median of ${TELEMETRY_ROUNDS} rounds, each in its own process; ratios ${onRounds.map((on, i) => (offRounds[i].seconds / on.seconds).toFixed(2)).join(', ')})`,
  );
  // CPU time moves less than rates when other work loads the machine.
  const cpuPerEvent = (rounds: { cpuMs: number }[]) =>
    percentile(
      rounds.map((r) => (r.cpuMs * 1000) / (TOTAL - 1)),
      50,
    );
  const onCpu = cpuPerEvent(onRounds);
  const offCpu = cpuPerEvent(offRounds);
  console.log(
    `consume   telemetry CPU per event on ${onCpu.toFixed(1)} µs | off ${offCpu.toFixed(1)} µs | off ÷ on ${(offCpu / onCpu).toFixed(2)} (medians; rounds on ${onRounds.map((r) => ((r.cpuMs * 1000) / (TOTAL - 1)).toFixed(0)).join(', ')} µs, off ${offRounds.map((r) => ((r.cpuMs * 1000) / (TOTAL - 1)).toFixed(0)).join(', ')} µs)`,
  );

  // Outbox: commit → on the broker, woken by LISTEN/NOTIFY, and by polling only.
  for (const mode of ['LISTEN/NOTIFY', 'polling only'] as const) {
    const pollIntervalMs = 500;
    const db = await createPgliteDatabase({});
    await runMigrations(db, OUTBOX_MIGRATIONS);
    const committedAt = new Map<string, number>();
    const latencies: number[] = [];
    const timing: OutboxPublisher = {
      async publishRaw(message) {
        await publisher.publishRaw(message);
        const since = committedAt.get(message.headers.ce_id);
        if (since !== undefined) latencies.push(performance.now() - since);
      },
    };
    // Polling only: the relay gets a database whose notifications never arrive.
    const relayDb: Database =
      mode === 'polling only'
        ? {
            kind: db.kind,
            query: (sql, params) => db.query(sql, params),
            queryAhead: (sql, params) => db.queryAhead(sql, params),
            transaction: (fn) => db.transaction(fn),
            listen: async () => async () => {},
            close: () => db.close(),
          }
        : db;
    const relay = createOutboxRelay({ db: relayDb, publisher: timing, logger, pollIntervalMs });
    await relay.start();
    const samples = mode === 'polling only' ? 40 : 200;
    for (let i = 0; i < samples; i++) {
      const id = randomUUID();
      await db.transaction(async (tx) => {
        await outbox.enqueue(tx, {
          aggregateType: 'bench',
          aggregateId: `agg-${i % 7}`,
          topic: 'bench-outbox',
          eventType: BenchEvent.ceType,
          payload: payload(i),
          headers: { ce_id: id, ce_type: BenchEvent.ceType },
        });
        // Taken just before COMMIT, which is when the notification goes out.
        committedAt.set(id, performance.now());
      });
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    await relay.flushed();
    await relay.stop();
    await db.close();
    const p50 = percentile(latencies, 50);
    console.log(
      `outbox    ${mode.padEnd(13)} commit → broker p50 ${p50.toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${latencies.length} events, polling interval ${pollIntervalMs} ms; p50 = ${((p50 / pollIntervalMs) * 100).toFixed(1)}% of it)`,
    );
  }
  await publisher.close();
} finally {
  await transport.close();
  await broker.stop();
  await rm(dataDir, { recursive: true, force: true });
}
