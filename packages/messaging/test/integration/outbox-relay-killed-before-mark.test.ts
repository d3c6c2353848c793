// End to end over real parts: PostgreSQL, our broker over TCP, the Kafka transport. A relay process is killed
// after the broker acknowledged records but before their rows were marked published; the restarted relay
// publishes them again, and the consumer's inbox turns that at-least-once delivery into exactly-once effects.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Broker, startBroker } from '@tributary/broker';
import { createPostgresDatabase, runMigrations } from '@tributary/database';
import { DATABASE_URL, eventually, uniqueSchema } from '@tributary/database/testing';
import { pino } from 'pino';
import { ConsumerRunner } from '../../src/consumer/consumer-runner.ts';
import { createEventRegistry } from '../../src/contracts/event-registry.ts';
import { inbox } from '../../src/inbox/inbox.ts';
import { INBOX_MIGRATIONS } from '../../src/inbox/inbox-migrations.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/kafka/kafka-transport.ts';
import { OUTBOX_MIGRATIONS } from '../../src/outbox/outbox-migrations.ts';
import { createKafkaRelay, flushedWithin, type KafkaRelay } from './kafka-relay.ts';
import {
  assertAllInOrderPerAggregate,
  decodeNumbered,
  enqueueNumbered,
  StepRecorded,
} from './numbered-events.ts';

const relayProcess = fileURLToPath(new URL('./fixtures/kafka-relay-process.ts', import.meta.url));
const logger = pino({ level: 'silent' });
const schema = uniqueSchema('relaykill');
const db = createPostgresDatabase({ connectionString: DATABASE_URL, schema, max: 4 });
const children = new Set<ChildProcess>();
let dataDir = '';
let broker: Broker | undefined;
let transport: KafkaTransport | undefined;
let restarted: KafkaRelay | undefined;
let runner: ConsumerRunner | undefined;

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await runner?.stop();
  await restarted?.close();
  await transport?.close();
  await broker?.stop();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

/** Starts the relay process; `frozen` resolves once it hangs with `freezeAfter` records acknowledged. */
function startFreezingRelay(brokers: string, freezeAfter: number) {
  const child = spawn(process.execPath, [relayProcess], {
    env: {
      ...process.env,
      DATABASE_URL,
      SCHEMA: schema,
      BROKERS: brokers,
      FREEZE_AFTER: String(freezeAfter),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const frozen = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'frozen') resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`relay process exited (${code ?? signal}) before freezing`)),
    );
  });
  return { child, frozen };
}

async function pendingEventIds(): Promise<Set<string>> {
  const pending = await db.query<{ id: string }>(
    "SELECT headers->>'ce_id' AS id FROM outbox WHERE status = 'pending'",
  );
  return new Set(pending.rows.map((row) => row.id));
}

it('applies every event exactly once, in order per aggregate, when the relay dies between publishing and marking', {
  timeout: 60_000,
}, async (t) => {
  dataDir = await mkdtemp(join(tmpdir(), 'tributary-relay-kill-'));
  broker = await startBroker({ port: 0, dataDir, logger, groupMinSessionTimeoutMs: 500 });
  transport = createKafkaTransport({
    brokers: [broker.address],
    clientId: 'relay-kill',
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 3_000,
    maxWaitTimeMs: 100,
  });
  await transport.ensureTopics([{ topic: StepRecorded.topic, partitions: 3 }]);
  await runMigrations(db, [
    ...OUTBOX_MIGRATIONS,
    ...INBOX_MIGRATIONS,
    {
      id: 'integration-step-effects',
      sql: `CREATE TABLE step_effects (
              position bigserial PRIMARY KEY, aggregate_id text NOT NULL, seq integer NOT NULL, event_id text NOT NULL)`,
    },
  ]);
  const aggregates = ['s-1', 's-2', 's-3', 's-4', 's-5'];
  const committed = await enqueueNumbered(db, aggregates, 0, 10);

  // Batches of 8: the first is published and marked, the second freezes after its 5th acknowledged record.
  const first = startFreezingRelay(broker.address, 13);
  await first.frozen;
  const exited = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  assert.deepEqual(await exited, [null, 'SIGKILL']);

  const onBroker = decodeNumbered(await transport.readTopic(StepRecorded.topic));
  const pending = await pendingEventIds();
  const publishedNotMarked = onBroker.filter((event) => pending.has(event.id));
  assert.ok(onBroker.length >= 13, `${onBroker.length} records reached the broker before the kill`);
  assert.ok(
    publishedNotMarked.length >= 1,
    'records the broker acknowledged are still pending in the outbox: the crash window is exercised',
  );

  // More events are committed while no relay runs.
  committed.push(...(await enqueueNumbered(db, aggregates, 10, 4)));

  restarted = createKafkaRelay({ db, brokers: [broker.address], logger, relay: { batchSize: 8 } });
  await restarted.relay.start();
  await flushedWithin(restarted.relay, 15_000);
  await restarted.close();
  assert.equal((await pendingEventIds()).size, 0);

  const raw = decodeNumbered(await transport.readTopic(StepRecorded.topic));
  t.diagnostic(`${raw.length} records on the topic for ${committed.length} events`);
  assert.ok(raw.length > committed.length, 'the broker holds duplicates: the inbox has something to drop');
  assertAllInOrderPerAggregate(raw, committed);

  let deliveries = 0;
  let duplicates = 0;
  runner = new ConsumerRunner({
    transport,
    group: 'step-appliers',
    registry: createEventRegistry([StepRecorded]),
    logger,
  });
  runner.subscribe(StepRecorded, async (event, { group }) => {
    const outcome = await inbox.handleOnce(db, { group, messageId: event.id }, (tx) =>
      tx.query('INSERT INTO step_effects (aggregate_id, seq, event_id) VALUES ($1, $2, $3)', [
        event.data.aggregateId,
        event.data.seq,
        event.id,
      ]),
    );
    deliveries += 1;
    if (outcome.duplicate) duplicates += 1;
  });
  await runner.start();
  // Every record on the topic reaches the handler (a rebalance could hand some over again: more duplicates).
  await eventually(
    () => (deliveries >= raw.length && deliveries - duplicates >= committed.length ? true : undefined),
    'every record to be handled',
    20_000,
  );
  await runner.stop();

  assert.ok(
    duplicates >= raw.length - committed.length,
    `the inbox dropped ${duplicates} deliveries, at least the ${raw.length - committed.length} duplicate records`,
  );
  const effects = await db.query<{ aggregateId: string; seq: number; id: string }>(
    'SELECT aggregate_id AS "aggregateId", seq, event_id AS id FROM step_effects ORDER BY position',
  );
  assert.equal(effects.rowCount, committed.length, 'one effect per event');
  assert.equal(new Set(effects.rows.map((row) => row.id)).size, committed.length, 'no effect applied twice');
  assertAllInOrderPerAggregate(effects.rows, committed);
});
