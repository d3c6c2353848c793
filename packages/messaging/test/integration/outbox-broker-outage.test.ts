// End to end over real parts: PostgreSQL and PGlite, our broker over TCP, the Kafka transport. The broker
// goes down while services keep committing events: the publisher's circuit opens, the rows wait in the
// outbox (and the age to alert on grows), and once the broker is back on the same port and data every event
// goes out, in order.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import type { Database } from '@tributary/database';
import { runMigrations } from '@tributary/database';
import { databaseFixtures, eventually } from '@tributary/database/testing';
import { pino } from 'pino';
import { MessagingError } from '../../src/errors.ts';
import { OUTBOX_MIGRATIONS } from '../../src/outbox/outbox-migrations.ts';
import type { CircuitStateName } from '../../src/producer/publish-policy.ts';
import { createKafkaRelay, flushedWithin, type KafkaRelay } from './kafka-relay.ts';
import {
  assertAllInOrderPerAggregate,
  decodeNumbered,
  enqueueNumbered,
  StepRecorded,
} from './numbered-events.ts';

const logger = pino({ level: 'silent' });

async function pendingRows(db: Database): Promise<{ pending: number; refusedByCircuit: number }> {
  const result = await db.query<{ pending: number; refusedByCircuit: number }>(
    `SELECT count(*)::int AS pending,
            (count(*) FILTER (WHERE last_error LIKE 'CircuitOpenError:%'))::int AS "refusedByCircuit"
     FROM outbox WHERE status = 'pending'`,
  );
  return result.rows[0]!;
}

// On both databases: PostgreSQL claims, publishes and marks in one transaction, PGlite in separate steps.
for (const makeFixture of databaseFixtures) {
  const fixture = makeFixture();
  after(() => fixture.close());

  describe(`outbox relay through a broker outage on ${fixture.kind}`, () => {
    it('holds rows behind an open circuit while the broker is down, then publishes every one in order', {
      timeout: 60_000,
    }, async (t) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'tributary-outbox-outage-'));
      let broker: Broker | undefined;
      let relaying: KafkaRelay | undefined;
      t.after(async () => {
        await relaying?.close();
        await broker?.stop();
        await rm(dataDir, { recursive: true, force: true });
      });
      // PGlite takes seconds to start: the broker starts meanwhile.
      const [first, db] = await Promise.all([startBroker({ port: 0, dataDir, logger }), fixture.open()]);
      broker = first;
      const { port } = first;
      await runMigrations(db, OUTBOX_MIGRATIONS);
      relaying = createKafkaRelay({
        db,
        brokers: [broker.address],
        logger,
        kafka: { requestTimeoutMs: 1_000, connectTimeoutMs: 300, clientRetries: 0, clientRetryDelayMs: 50 },
        // Publishing to the stopped broker fails at once (no client retry), so the circuit opens quickly.
        // The attempt timeout is long, so no publish is given up on while it may still land (a duplicate);
        // the half-open delay is long next to the fail-fast check, so the check is never the probe.
        resilience: {
          attempts: 2,
          initialDelayMs: 10,
          maxDelayMs: 50,
          attemptTimeoutMs: 5_000,
          breakAfter: 3,
          halfOpenAfterMs: 1_000,
        },
        relay: { pollIntervalMs: 100, backoff: { initialMs: 50, maxMs: 200 } },
      });
      const { transport, publisher, relay } = relaying;
      const states: CircuitStateName[] = [];
      publisher.on('circuit-state', (state) => states.push(state));
      await transport.ensureTopics([{ topic: StepRecorded.topic, partitions: 3 }]);
      await relay.start();
      const aggregates = ['s-1', 's-2', 's-3', 's-4'];
      const committed = await enqueueNumbered(db, aggregates, 0, 1);
      await flushedWithin(relay, 10_000);
      assert.equal(publisher.state, 'closed');

      await broker.stop();
      broker = undefined;
      const duringOutage = await enqueueNumbered(db, aggregates, 1, 5);
      committed.push(...duringOutage);
      await eventually(() => (states.includes('open') ? true : undefined), 'the circuit to open', 15_000);

      const started = performance.now();
      await assert.rejects(
        publisher.publishEvent(StepRecorded, { aggregateId: 'direct', seq: 0 }),
        (err: unknown) => {
          assert.ok(err instanceof MessagingError, `a MessagingError, not ${String(err)}`);
          assert.equal(err.code, 'CIRCUIT_OPEN');
          assert.equal(err.retriable, true);
          return true;
        },
      );
      const refusedInMs = performance.now() - started;
      assert.ok(refusedInMs < 250, `refused in ${refusedInMs.toFixed(0)} ms, without waiting for the broker`);
      assert.equal(publisher.state, 'open');

      // The relay keeps trying and meets the open circuit too; nothing leaves the outbox.
      await eventually(
        async () => {
          const rows = await pendingRows(db);
          assert.equal(rows.pending, duringOutage.length, 'every row committed during the outage is pending');
          return rows.refusedByCircuit > 0 ? true : undefined;
        },
        'the relay to be refused by the open circuit',
        10_000,
      );
      const ageBefore = await relay.oldestUnpublishedAgeMs();
      assert.ok(ageBefore > 0);
      const ageLater = await eventually(async () => {
        const age = await relay.oldestUnpublishedAgeMs();
        return age >= ageBefore + 250 ? age : undefined;
      }, 'the oldest unpublished age to grow');
      assert.equal((await pendingRows(db)).pending, duringOutage.length, 'still nothing published');
      t.diagnostic(`oldest unpublished row: ${ageBefore.toFixed(0)} ms, then ${ageLater.toFixed(0)} ms`);

      broker = await startBroker({ port, dataDir, logger });
      await flushedWithin(relay, 20_000);
      assert.equal(await relay.oldestUnpublishedAgeMs(), 0);
      assert.equal(publisher.state, 'closed');
      assert.ok(states.includes('half-open'), `the circuit went ${states.join(' -> ')}`);
      assert.equal(states.at(-1), 'closed');

      const onTopic = decodeNumbered(await transport.readTopic(StepRecorded.topic));
      t.diagnostic(`${onTopic.length} records on the topic for ${committed.length} events`);
      assertAllInOrderPerAggregate(onTopic, committed);
      assert.equal(onTopic.length, committed.length, 'no publish that failed during the outage landed later');
      assert.ok(!onTopic.some((event) => event.aggregateId === 'direct'), 'the refused publish left nothing');
    });
  });
}
