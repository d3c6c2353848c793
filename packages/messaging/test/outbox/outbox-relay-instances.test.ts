// Several service instances, each with its own relay, on one PostgreSQL schema.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { Database } from '@tributary/database';
import { createPostgresDatabase, runMigrations } from '@tributary/database';
import { DATABASE_URL, uniqueSchema } from '@tributary/database/testing';
import { outbox } from '../../src/outbox/outbox.ts';
import { OUTBOX_MIGRATIONS } from '../../src/outbox/outbox-migrations.ts';
import type { OutboxPublisher } from '../../src/outbox/outbox-publisher.ts';
import { createOutboxRelay } from '../../src/outbox/outbox-relay.ts';

const schema = uniqueSchema('instances');
const databases: Database[] = [];
function connect(): Database {
  const db = createPostgresDatabase({ connectionString: DATABASE_URL, schema, max: 4 });
  databases.push(db);
  return db;
}

after(async () => {
  await databases[0]?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  for (const db of databases) await db.close();
});

it('two relays on one database publish each row once and keep order per aggregate', async (t) => {
  const app = connect();
  await runMigrations(app, OUTBOX_MIGRATIONS);
  const log: Array<{ relay: string; aggregateId: string; seq: number }> = [];
  // Each relay holds its first claim until the other has claimed too (relay b waits for a's first publish
  // call, a for b's first publish; at most 10 s): whichever is quicker, both then hold work at once, which
  // is what must not publish a row twice or out of order.
  const signal = () => {
    let fire: () => void = () => {};
    const fired = new Promise<void>((resolve) => {
      fire = resolve;
    });
    return { fire, fired };
  };
  const aClaimed = signal();
  const bPublished = signal();
  const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
  // Brokers are slow and sometimes fail: both make the relays' claims interleave.
  const publisherFor = (relay: string): OutboxPublisher => ({
    async publishRaw(message) {
      if (relay === 'a') {
        aClaimed.fire();
        await Promise.race([bPublished.fired, timeout(10_000)]);
      } else await Promise.race([aClaimed.fired, timeout(10_000)]);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      if (Math.random() < 0.1) throw new Error('broker hiccup');
      const { aggregateId, seq } = JSON.parse(message.value.toString('utf8')) as {
        aggregateId: string;
        seq: number;
      };
      log.push({ relay, aggregateId, seq });
      if (relay === 'b') bPublished.fire();
    },
  });
  const relays = ['a', 'b'].map((name) =>
    createOutboxRelay({
      db: connect(),
      publisher: publisherFor(name),
      batchSize: 10,
      backoff: { initialMs: 5, maxMs: 20 },
    }),
  );
  for (const relay of relays) {
    await relay.start();
    t.after(() => relay.stop());
  }

  // More aggregates than one relay's rounds can hold at once (4 rounds of 10 rows), so either relay finds
  // aggregates of its own while the other waits.
  const aggregates = Array.from({ length: 64 }, (_, index) => `agg-${index}`);
  const perAggregate = 4;
  await Promise.all(
    aggregates.map(async (aggregateId) => {
      for (let seq = 0; seq < perAggregate; seq += 1) {
        await app.transaction((tx) =>
          outbox.enqueue(tx, {
            aggregateType: 'order',
            aggregateId,
            topic: 'orders',
            eventType: 'tributary.order.placed.v1',
            payload: { aggregateId, seq },
          }),
        );
      }
    }),
  );
  await Promise.all(relays.map((relay) => relay.flushed()));

  const byRelay = {
    a: log.filter((entry) => entry.relay === 'a').length,
    b: log.filter((e) => e.relay === 'b').length,
  };
  t.diagnostic(`published by relay a: ${byRelay.a}, by relay b: ${byRelay.b}`);
  assert.equal(log.length, aggregates.length * perAggregate, 'a row was published twice or not at all');
  for (const aggregateId of aggregates) {
    assert.deepEqual(
      log.filter((entry) => entry.aggregateId === aggregateId).map((entry) => entry.seq),
      Array.from({ length: perAggregate }, (_, seq) => seq),
      `order of ${aggregateId}`,
    );
  }
  assert.ok(byRelay.a > 0 && byRelay.b > 0, 'both relays should have taken a share of the work');
});
