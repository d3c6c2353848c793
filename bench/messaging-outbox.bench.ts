// Outbox cost and relay speed on PGlite and PostgreSQL: write throughput of a state change with and without
// its outbox row (the ratio is the outbox's price), relay drain rate with an instant and a 1 ms publisher,
// commit → publish latency one event at a time, and under sustained load: writers committing as fast as
// they can while the relay runs (a 5 ms broker), in rounds alternating with the relay stopped, giving the
// relay's price on write throughput and commit → publish p50/p99 at that rate.
// Usage: node bench/messaging-outbox.bench.ts [--events 2000] [--aggregates 50] [--rounds 3]
// Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), a throwaway schema.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  runMigrations,
} from '@tributary/database';
import { createOutboxRelay, OUTBOX_MIGRATIONS, type OutboxPublisher, outbox } from '@tributary/messaging';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    aggregates: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
const EVENTS = Number(values.events);
const AGGREGATES = Number(values.aggregates);
if (!Number.isInteger(EVENTS) || EVENTS < 100) throw new Error('--events must be an integer >= 100');
if (!Number.isInteger(AGGREGATES) || AGGREGATES < 1)
  throw new Error('--aggregates must be a positive integer');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function prepare(db: Database) {
  await runMigrations(db, [
    ...OUTBOX_MIGRATIONS,
    { id: 'bench-orders', sql: 'CREATE TABLE orders (id text PRIMARY KEY, version int NOT NULL)' },
  ]);
}

/**
 * Transactions per second writing one state change each, with or without its outbox row; `committed` gets
 * each event's index and commit time.
 */
async function writeRate(
  db: Database,
  withOutbox: boolean,
  tag: string,
  committed?: Map<number, number>,
): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      const index = next++;
      const aggregateId = `${tag}-${index % AGGREGATES}`;
      await db.transaction(async (tx) => {
        await tx.query(
          'INSERT INTO orders VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET version = orders.version + 1',
          [aggregateId],
        );
        if (withOutbox) {
          await outbox.enqueue(tx, {
            aggregateType: 'order',
            aggregateId,
            topic: 'orders',
            eventType: 'tributary.order.placed.v1',
            payload: { aggregateId, index, lines: [{ sku: 'A-1', quantity: 2 }] },
            headers: { ce_id: `${tag}-${index}`, ce_type: 'tributary.order.placed.v1' },
          });
        }
      });
      committed?.set(index, performance.now());
    }
  };
  // Four concurrent writers, like request handlers (PGlite runs them one at a time anyway).
  await Promise.all([worker(), worker(), worker(), worker()]);
  return EVENTS / ((performance.now() - start) / 1000);
}

/** Rows per second the relay moves from a full outbox to the publisher. */
async function drainRate(db: Database, latencyMs: number): Promise<number> {
  const publisher: OutboxPublisher = {
    publishRaw: () =>
      latencyMs === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, latencyMs)),
  };
  const pending = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'",
  );
  const relay = createOutboxRelay({ db, publisher, pollIntervalMs: 60_000, batchSize: 200 });
  const start = performance.now();
  await relay.start();
  await relay.flushed();
  const seconds = (performance.now() - start) / 1000;
  await relay.stop();
  return pending.rows[0]!.n / seconds;
}

async function latencies(db: Database): Promise<{ p50: number; p99: number }> {
  let published: (() => void) | undefined;
  const relay = createOutboxRelay({
    db,
    publisher: { publishRaw: async () => published?.() },
    pollIntervalMs: 1_000,
  });
  await relay.start();
  await relay.flushed();
  const samples: number[] = [];
  for (let index = 0; index < 200; index += 1) {
    const arrived = new Promise<void>((resolve) => {
      published = resolve;
    });
    const start = performance.now();
    await db.transaction((tx) =>
      outbox.enqueue(tx, {
        aggregateType: 'order',
        aggregateId: 'latency',
        topic: 'orders',
        eventType: 'tributary.order.placed.v1',
        payload: { index },
      }),
    );
    await arrived;
    samples.push(performance.now() - start);
  }
  await relay.stop();
  samples.sort((a, b) => a - b);
  return { p50: samples[100]!, p99: samples[197]! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/**
 * Writers at full speed with the relay running (its publisher answers after 5 ms, like a broker's flush),
 * against the same writers with the relay stopped, alternating; lag = commit → publish of each event.
 */
async function underLoad(db: Database) {
  const withRelay: number[] = [];
  const without: number[] = [];
  const lags: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    without.push(await writeRate(db, true, `quiet${round}`));
    await drainRate(db, 0);
    const committed = new Map<number, number>();
    const published = new Map<number, number>();
    const tag = `load${round}`;
    const relay = createOutboxRelay({
      db,
      publisher: {
        async publishRaw(message) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const { index } = JSON.parse(message.value.toString('utf8')) as { index: number };
          if (message.headers.ce_id?.startsWith(`${tag}-`)) published.set(index, performance.now());
        },
      },
    });
    await relay.start();
    withRelay.push(await writeRate(db, true, tag, committed));
    await relay.flushed();
    await relay.stop();
    for (const [index, at] of committed) lags.push(Math.max(0, published.get(index)! - at));
  }
  return { withRelay: median(withRelay), without: median(without), lags };
}

async function measure(name: string, db: Database) {
  await prepare(db);
  const plain = await writeRate(db, false, 'plain');
  const withOutbox = await writeRate(db, true, 'outbox');
  const instant = await drainRate(db, 0);
  await writeRate(db, true, 'again');
  const slow = await drainRate(db, 1);
  const latency = await latencies(db);
  const load = await underLoad(db);
  console.log(`\n${name} (${EVENTS} events over ${AGGREGATES} aggregates)`);
  console.log(`  state change alone        ${plain.toFixed(0).padStart(8)} tx/s`);
  console.log(
    `  state change + outbox row ${withOutbox.toFixed(0).padStart(8)} tx/s   ratio ${(withOutbox / plain).toFixed(2)}`,
  );
  console.log(
    `  relay drain, instant pub  ${instant.toFixed(0).padStart(8)} rows/s ratio to writes ${(instant / withOutbox).toFixed(2)}`,
  );
  console.log(
    `  relay drain, 1 ms pub     ${slow.toFixed(0).padStart(8)} rows/s ratio to writes ${(slow / withOutbox).toFixed(2)}`,
  );
  console.log(
    `  commit → publish latency  p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`,
  );
  console.log(
    `  under load, relay running ${load.withRelay.toFixed(0).padStart(8)} tx/s   ratio to the relay stopped ${(load.withRelay / load.without).toFixed(2)}`,
  );
  console.log(
    `  under load, commit → publish p50 ${percentile(load.lags, 50).toFixed(1)} ms, p99 ${percentile(load.lags, 99).toFixed(1)} ms, max ${Math.max(...load.lags).toFixed(1)} ms`,
  );
}

const pglite = await createPgliteDatabase();
try {
  await measure('PGlite (in memory)', pglite);
} finally {
  await pglite.close();
}

const schema = `bench_${randomBytes(4).toString('hex')}`;
const postgres = createPostgresDatabase({ connectionString: DATABASE_URL, schema });
try {
  await measure('PostgreSQL', postgres);
} finally {
  await postgres.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await postgres.close();
}
