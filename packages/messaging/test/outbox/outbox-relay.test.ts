import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import type { Database, SqlExecutor } from '@tributary/database';
import { runMigrations } from '@tributary/database';
import { databaseFixtures, eventually, fullDiskFor } from '@tributary/database/testing';
import { type OutboxMessage, outbox } from '../../src/outbox/outbox.ts';
import { OUTBOX_MIGRATIONS } from '../../src/outbox/outbox-migrations.ts';
import { createOutboxRelay, type OutboxRelayOptions } from '../../src/outbox/outbox-relay.ts';
import { payloadOf, RecordingPublisher } from './recording-publisher.ts';

async function prepare(db: Database): Promise<Database> {
  await runMigrations(db, [
    ...OUTBOX_MIGRATIONS,
    { id: 'test-accounts', sql: 'CREATE TABLE accounts (id text PRIMARY KEY, balance int NOT NULL)' },
  ]);
  return db;
}

function event(aggregateId: string, seq: number, extra: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    aggregateType: 'account',
    aggregateId,
    topic: 'accounts',
    eventType: 'tributary.account.credited.v1',
    payload: { aggregateId, seq },
    headers: { ce_id: `${aggregateId}-${seq}`, ce_type: 'tributary.account.credited.v1' },
    ...extra,
  };
}

/** The state change and its event in one transaction, like an application service does. */
function credit(db: Database, aggregateId: string, seq: number) {
  return db.transaction(async (tx: SqlExecutor) => {
    await tx.query(
      `INSERT INTO accounts VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + 1`,
      [aggregateId],
    );
    return outbox.enqueue(tx, event(aggregateId, seq));
  });
}

function startRelay(
  t: TestContext,
  db: Database,
  publisher: RecordingPublisher,
  options: Partial<OutboxRelayOptions> = {},
) {
  const relay = createOutboxRelay({ db, publisher, pollIntervalMs: 5_000, ...options });
  t.after(() => relay.stop());
  return relay.start().then(() => relay);
}

/**
 * `db` as the relay sees it, with a way to wait until the relay has read which pending rows a `flushed()`
 * call waits for: a row committed before that read counts as committed before the call.
 */
function noticingFlushReads(db: Database) {
  let signal: (() => void) | undefined;
  const watched = new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property !== 'query') return typeof value === 'function' ? value.bind(target) : value;
      return async (sql: string, params?: unknown[]) => {
        const result = await target.query(sql, params);
        if (sql.includes('max(id)')) signal?.();
        return result;
      };
    },
  });
  return {
    db: watched,
    nextFlushRead: () =>
      new Promise<void>((resolve) => {
        signal = resolve;
      }),
  };
}

function sequencesByAggregate(publisher: RecordingPublisher): Map<string, number[]> {
  const sequences = new Map<string, number[]>();
  for (const message of publisher.published) {
    const { aggregateId, seq } = payloadOf(message) as { aggregateId: string; seq: number };
    sequences.set(aggregateId, [...(sequences.get(aggregateId) ?? []), seq]);
  }
  return sequences;
}

for (const makeFixture of databaseFixtures) {
  const fixture = makeFixture();
  after(() => fixture.close());

  describe(`outbox relay on ${fixture.kind}`, () => {
    it('publishes nothing for an event enqueued in a rolled-back transaction', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher);
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO accounts VALUES ('a-1', 1)");
          await outbox.enqueue(tx, event('a-1', 0));
          throw new Error('the state change failed');
        }),
        /the state change failed/,
      );
      await credit(db, 'a-2', 0);
      await relay.flushed();
      assert.deepEqual(
        publisher.published.map((message) => message.key),
        ['a-2'],
      );
      assert.equal((await db.query('SELECT * FROM outbox')).rowCount, 1);
    });

    it('publishes committed events with their topic, key, headers and JSON value, in order per aggregate', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      publisher.latencyMs = () => Math.floor(Math.random() * 3);
      const relay = await startRelay(t, db, publisher, { batchSize: 7 });
      const aggregates = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5'];
      await Promise.all(
        aggregates.map(async (aggregateId) => {
          for (let seq = 0; seq < 20; seq += 1) await credit(db, aggregateId, seq);
        }),
      );
      await relay.flushed();
      assert.equal(publisher.published.length, 100);
      const expected = Array.from({ length: 20 }, (_, seq) => seq);
      for (const [aggregateId, seqs] of sequencesByAggregate(publisher)) {
        assert.deepEqual(seqs, expected, `order of ${aggregateId}`);
      }
      const first = publisher.published.find((message) => message.key === 'acc-3')!;
      assert.equal(first.topic, 'accounts');
      assert.deepEqual(first.headers, { ce_id: 'acc-3-0', ce_type: 'tributary.account.credited.v1' });
      assert.equal(first.value.toString('utf8'), '{"aggregateId":"acc-3","seq":0}');
      const statuses = await db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM outbox GROUP BY status',
      );
      assert.deepEqual(statuses.rows, [{ status: 'published', n: 100 }]);
    });

    it('is woken by the commit notification long before its 5 s polling interval', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher, { pollIntervalMs: 5_000 });
      await relay.flushed();
      const latencies: number[] = [];
      for (let seq = 0; seq < 5; seq += 1) {
        const committedAt = performance.now();
        await credit(db, 'acc-1', seq);
        await publisher.until(() => publisher.published.length === seq + 1);
        latencies.push(performance.now() - committedAt);
      }
      t.diagnostic(`commit → publish latency ms: ${latencies.map((ms) => ms.toFixed(1)).join(', ')}`);
      assert.ok(Math.max(...latencies) < 1_000, `latencies ${latencies.join(', ')} ms`);
    });

    it('publishes while writers keep the database busy, not once they pause', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      // The broker's acknowledgement comes back on a socket, in a later turn of the event loop.
      publisher.latencyMs = () => 1;
      const relay = await startRelay(t, db, publisher);
      await relay.flushed();
      const limit = 2_000;
      let writing = true;
      let commits = 0;
      const writer = async (name: string) => {
        while (writing && commits < limit) {
          commits += 1;
          await credit(db, name, commits);
        }
      };
      const writers = Promise.all(['w-1', 'w-2', 'w-3', 'w-4'].map(writer));
      await publisher.until(() => publisher.published.length > 0, 120_000);
      const commitsBeforeFirstPublish = commits;
      writing = false;
      await writers;
      assert.ok(
        commitsBeforeFirstPublish < limit,
        `the first event went out only after all ${limit} transactions of the writers`,
      );
    });

    it('still publishes by polling when no notification arrives', async (t) => {
      const db = await prepare(await fixture.open());
      await db.query('ALTER TABLE outbox DISABLE TRIGGER outbox_notify');
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher, { pollIntervalMs: 100 });
      await relay.flushed();
      await credit(db, 'acc-1', 0);
      await publisher.until(() => publisher.published.length === 1);
      assert.equal(publisher.published[0]!.key, 'acc-1');
    });

    it('retries a failing aggregate with growing delays while other aggregates keep flowing', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      // 'bad' fails at least three times, and until the checks below are done (a loaded machine may take
      // longer to publish the good events than the backoff lasts).
      let released = false;
      publisher.failWith = (message, call) =>
        message.key === 'bad' && (call < 3 || !released) ? `broker said no (${call})` : undefined;
      const relay = await startRelay(t, db, publisher, { backoff: { initialMs: 40, maxMs: 1_000 } });
      await credit(db, 'bad', 0);
      await credit(db, 'bad', 1);
      for (let seq = 0; seq < 5; seq += 1) await credit(db, 'good', seq);
      await publisher.until(
        () => publisher.published.filter((message) => message.key === 'good').length === 5,
      );
      // The failed attempt is recorded once the relay's round ends, which may come after the good events.
      const readBad = () =>
        db.query<{ attempts: number; last_error: string; status: string }>(
          "SELECT attempts, last_error, status FROM outbox WHERE aggregate_id = 'bad' ORDER BY id",
        );
      let stuck = await readBad();
      for (const deadline = Date.now() + 30_000; stuck.rows[0]!.attempts === 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        stuck = await readBad();
      }
      assert.equal(stuck.rows[0]!.status, 'pending');
      assert.ok(stuck.rows[0]!.attempts >= 1);
      assert.match(stuck.rows[0]!.last_error, /broker said no/);
      assert.equal(
        stuck.rows[1]!.attempts,
        0,
        'the second event of the aggregate was tried before the first',
      );
      assert.ok((await relay.oldestUnpublishedAgeMs()) > 0);

      released = true;
      await relay.flushed();
      assert.deepEqual(sequencesByAggregate(publisher).get('bad'), [0, 1]);
      const attemptsAt = publisher.calls.filter((call) => call.message.key === 'bad').map((call) => call.at);
      const failures = attemptsAt.length - 2;
      assert.ok(failures >= 3, `${failures} failures, then both events`);
      const gaps = attemptsAt.slice(1, 4).map((at, index) => at - attemptsAt[index]!);
      t.diagnostic(`gaps between attempts ms: ${gaps.join(', ')}`);
      // 40, 80, 160 ms of backoff (a few ms of timer slack allowed).
      assert.ok(gaps[0]! >= 35 && gaps[1]! >= 75 && gaps[2]! >= 155, `gaps ${gaps.join(', ')}`);
      const done = await db.query<{ attempts: number }>(
        "SELECT attempts FROM outbox WHERE aggregate_id = 'bad' ORDER BY id",
      );
      assert.deepEqual(
        done.rows.map((row) => row.attempts),
        [failures, 0],
      );
      assert.equal(await relay.oldestUnpublishedAgeMs(), 0);
    });

    it('publishes a round once when its database cannot record it (disk full), and records it when it can', async (t) => {
      const db = await prepare(await fixture.open());
      const disk = await fullDiskFor(db, 'outbox', 'UPDATE');
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher, { pollIntervalMs: 100 });
      await disk.fill();
      await credit(db, 'full', 0);
      await publisher.until(() => publisher.published.length === 1);
      // The relay keeps trying to record the round meanwhile (every 100 ms at first, then less often).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(
        publisher.calls.length,
        1,
        `the event went to the broker ${publisher.calls.length} times while it could not be recorded`,
      );
      const pending = await db.query<{ status: string }>('SELECT status FROM outbox');
      assert.deepEqual(
        pending.rows.map((row) => row.status),
        ['pending'],
      );

      await disk.free();
      await relay.flushed();
      await credit(db, 'full', 1);
      await relay.flushed();
      assert.deepEqual(sequencesByAggregate(publisher).get('full'), [0, 1]);
      assert.equal(publisher.calls.length, 2);
      const recorded = await db.query<{ status: string }>('SELECT status FROM outbox ORDER BY id');
      assert.deepEqual(
        recorded.rows.map((row) => row.status),
        ['published', 'published'],
      );
    });

    it('flushed() waits for rows committed before the call, not for rows committed after it', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const watched = noticingFlushReads(db);
      const relay = await startRelay(t, watched.db, publisher);
      await relay.flushed();
      publisher.hold((message) => message.key === 'early');
      await credit(db, 'early', 0);
      await publisher.until(() => publisher.calls.length === 1);
      let flushed = false;
      const flushRead = watched.nextFlushRead();
      const flushing = relay.flushed().then(() => {
        flushed = true;
      });
      // `late` is committed once the call has read what it waits for (on a loaded machine the read may
      // otherwise come after the commit, and the call then rightly waits for `late` as well).
      await flushRead;
      // A row committed after the call that never gets through must not hold the flush up.
      publisher.failWith = (message) => (message.key === 'late' ? 'late is stuck' : undefined);
      await credit(db, 'late', 0);
      assert.equal(flushed, false, 'flushed() resolved while a row committed before it was unpublished');
      publisher.release();
      await flushing;
      assert.deepEqual(
        publisher.published.map((message) => message.key),
        ['early'],
      );
      const late = await db.query("SELECT status FROM outbox WHERE aggregate_id = 'late'");
      assert.deepEqual(late.rows, [{ status: 'pending' }]);
    });

    it('flushed() needs a running relay and rejects when the relay stops first', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const relay = createOutboxRelay({ db, publisher, pollIntervalMs: 5_000 });
      await assert.rejects(
        relay.flushed(),
        (error) => (error as { code?: string }).code === 'OUTBOX_RELAY_NOT_RUNNING',
      );
      await relay.start();
      t.after(() => relay.stop());
      publisher.failWith = () => 'down';
      await credit(db, 'acc-1', 0);
      const flushing = relay.flushed();
      await publisher.until(() => publisher.calls.length > 0);
      await relay.stop();
      await assert.rejects(flushing, (error) => (error as { code?: string }).code === 'OUTBOX_RELAY_STOPPED');
    });

    it('finishes the in-flight batch when stopped, then publishes nothing more', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher);
      publisher.hold(() => true);
      await credit(db, 'acc-1', 0);
      await publisher.until(() => publisher.calls.length === 1);
      const stopping = relay.stop();
      publisher.release();
      await stopping;
      assert.equal(relay.running, false);
      const row = await db.query<{ status: string }>('SELECT status FROM outbox');
      assert.deepEqual(row.rows, [{ status: 'published' }]);
      await credit(db, 'acc-1', 1);
      const pending = await db.query<{ status: string }>(
        "SELECT status FROM outbox WHERE status = 'pending'",
      );
      assert.equal(pending.rowCount, 1);
      assert.equal(publisher.calls.length, 1);
    });

    it('reports the age of the oldest unpublished row', async () => {
      const db = await prepare(await fixture.open());
      const relay = createOutboxRelay({ db, publisher: new RecordingPublisher() });
      assert.equal(await relay.oldestUnpublishedAgeMs(), 0);
      await db.query(
        "INSERT INTO outbox (aggregate_type, aggregate_id, topic, key, event_type, payload, created_at) VALUES ('a', '1', 't', '1', 'e', '{}', now() - interval '3 seconds')",
      );
      const age = await relay.oldestUnpublishedAgeMs();
      assert.ok(age >= 3_000 && age < 60_000, `age ${age}`);
    });

    it('keeps published rows for the retention period and then deletes them', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const keeping = await startRelay(t, db, publisher);
      await credit(db, 'acc-1', 0);
      await keeping.flushed();
      const kept = await db.query<{ status: string; published_at: Date | null }>(
        'SELECT status, published_at FROM outbox',
      );
      assert.equal(kept.rows[0]!.status, 'published');
      assert.ok(kept.rows[0]!.published_at instanceof Date);
      await keeping.stop();

      const purging = await startRelay(t, db, publisher, { retentionMs: 0, purgeIntervalMs: 10 });
      await credit(db, 'acc-1', 1);
      await purging.flushed();
      await eventually(
        async () => ((await db.query('SELECT 1 FROM outbox')).rowCount === 0 ? true : undefined),
        'the purge',
      );
    });

    if (fixture.kind === 'pglite') {
      it('refuses a second relay on the same PGlite database', async (t) => {
        const db = await prepare(await fixture.open());
        await startRelay(t, db, new RecordingPublisher());
        const second = createOutboxRelay({ db, publisher: new RecordingPublisher() });
        await assert.rejects(
          second.start(),
          (error) => (error as { code?: string }).code === 'OUTBOX_RELAY_ALREADY_RUNNING',
        );
      });

      it('publishes an event while the transactions queued behind its own still wait their turn', async (t) => {
        const db = await prepare(await fixture.open());
        const publisher = new RecordingPublisher();
        const relay = await startRelay(t, db, publisher);
        await relay.flushed();
        // Fifty requests arriving at once: on the one connection they commit one after the other.
        const queued = 50;
        let committed = 0;
        const requests = Array.from({ length: queued }, (_, n) =>
          credit(db, `queued-${n}`, 0).then(() => {
            committed += 1;
          }),
        );
        await publisher.until(() => publisher.published.length > 0, 120_000);
        const committedAtFirstPublish = committed;
        await Promise.all(requests);
        assert.ok(
          committedAtFirstPublish < queued,
          'the first event went out only once every queued transaction had committed',
        );
        await relay.flushed();
        assert.equal(publisher.published.length, queued);
      });
    }

    it('writes a state change and its event in one statement, or neither when the change fails', async (t) => {
      const db = await prepare(await fixture.open());
      const publisher = new RecordingPublisher();
      const relay = await startRelay(t, db, publisher);
      const open = (id: string, seq: number) =>
        outbox.enqueueWith(
          db,
          { sql: 'INSERT INTO accounts VALUES ($1, $2)', params: [id, 10] },
          event(id, seq),
        );
      await open('acc-1', 0);
      await assert.rejects(
        open('acc-1', 1),
        (error) => (error as { code?: string }).code === 'DB_UNIQUE_VIOLATION',
      );
      await relay.flushed();
      assert.deepEqual(sequencesByAggregate(publisher).get('acc-1'), [0]);
      const accounts = await db.query('SELECT id, balance FROM accounts');
      assert.deepEqual(accounts.rows, [{ id: 'acc-1', balance: 10 }]);
      assert.equal((await db.query('SELECT 1 FROM outbox')).rowCount, 1);
    });

    it('rejects malformed events with a clear error and writes nothing', async () => {
      const db = await prepare(await fixture.open());
      const invalid = (message: OutboxMessage) =>
        assert.rejects(
          outbox.enqueue(db, message),
          (error) => (error as { code?: string }).code === 'OUTBOX_INVALID_MESSAGE',
        );
      await invalid(event('a', 0, { topic: '' }));
      await invalid(event('a', 0, { payload: undefined }));
      await invalid(event('a', 0, { payload: { big: 1n } }));
      await invalid(event('a', 0, { headers: { ce_id: 42 as unknown as string } }));
      assert.equal((await db.query('SELECT 1 FROM outbox')).rowCount, 0);
    });
  });
}
