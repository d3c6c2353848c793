import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Database, SqlExecutor } from '@tributary/database';
import { runMigrations } from '@tributary/database';
import { databaseFixtures } from '@tributary/database/testing';
import { inbox } from '../../src/inbox/inbox.ts';
import { INBOX_MIGRATIONS } from '../../src/inbox/inbox-migrations.ts';

async function prepare(db: Database): Promise<Database> {
  await runMigrations(db, [
    ...INBOX_MIGRATIONS,
    { id: 'test-credits', sql: 'CREATE TABLE credits (account text, amount int)' },
  ]);
  return db;
}

async function totalCredits(db: Database): Promise<number> {
  const result = await db.query<{ total: number }>(
    'SELECT coalesce(sum(amount), 0)::int AS total FROM credits',
  );
  return result.rows[0]!.total;
}

const credit = (amount: number) => async (tx: SqlExecutor) => {
  await tx.query('INSERT INTO credits VALUES ($1, $2)', ['acc-1', amount]);
  return amount;
};

for (const makeFixture of databaseFixtures) {
  const fixture = makeFixture();
  after(() => fixture.close());

  describe(`inbox on ${fixture.kind}`, () => {
    it('applies a redelivered message once and reports the second delivery as a duplicate', async () => {
      const db = await prepare(await fixture.open());
      const message = { group: 'billing', messageId: 'evt-1' };
      assert.deepEqual(await inbox.handleOnce(db, message, credit(10)), { duplicate: false, result: 10 });
      assert.deepEqual(await inbox.handleOnce(db, message, credit(10)), { duplicate: true });
      assert.equal(await totalCredits(db), 10);
      assert.equal(await inbox.isProcessed(db, message), true);
    });

    it('lets each consumer group process the same message', async () => {
      const db = await prepare(await fixture.open());
      await inbox.handleOnce(db, { group: 'billing', messageId: 'evt-1' }, credit(1));
      const other = await inbox.handleOnce(db, { group: 'audit', messageId: 'evt-1' }, credit(2));
      assert.equal(other.duplicate, false);
      assert.equal(await totalCredits(db), 3);
    });

    it('rolls back the effects and the inbox row together when the handler throws', async () => {
      const db = await prepare(await fixture.open());
      const message = { group: 'billing', messageId: 'evt-2' };
      await assert.rejects(
        inbox.handleOnce(db, message, async (tx) => {
          await credit(5)(tx);
          throw new Error('downstream rule failed');
        }),
        /downstream rule failed/,
      );
      assert.equal(await totalCredits(db), 0);
      assert.equal(await inbox.isProcessed(db, message), false);
      // The redelivery runs the handler again, this time successfully.
      assert.deepEqual(await inbox.handleOnce(db, message, credit(5)), { duplicate: false, result: 5 });
      assert.equal(await totalCredits(db), 5);
    });

    it('applies the effect once when the same message is delivered twice at the same time', async () => {
      const db = await prepare(await fixture.open());
      const message = { group: 'billing', messageId: 'evt-3' };
      const results = await Promise.all(
        Array.from({ length: 4 }, () => inbox.handleOnce(db, message, credit(7))),
      );
      assert.equal(results.filter((result) => !result.duplicate).length, 1);
      assert.equal(await totalCredits(db), 7);
    });

    it('purges rows processed before the cutoff, in batches, and keeps newer ones', async () => {
      const db = await prepare(await fixture.open());
      for (let index = 0; index < 5; index += 1) {
        await db.query("INSERT INTO processed_messages VALUES ('g', $1, now() - interval '2 days')", [
          `old-${index}`,
        ]);
      }
      await inbox.handleOnce(db, { group: 'g', messageId: 'recent' }, async () => undefined);
      const cutoff = new Date(Date.now() - 24 * 60 * 60 * 1000);
      assert.equal(await inbox.purgeOlderThan(db, cutoff, { batchSize: 2 }), 5);
      const left = await db.query('SELECT message_id FROM processed_messages');
      assert.deepEqual(left.rows, [{ message_id: 'recent' }]);
    });

    it('rejects a message without an id or group before touching the database', async () => {
      const db = await prepare(await fixture.open());
      await assert.rejects(
        inbox.handleOnce(db, { group: 'g', messageId: '' }, credit(1)),
        (error) => (error as { code?: string }).code === 'INBOX_INVALID_ARGUMENT',
      );
      await assert.rejects(
        inbox.purgeOlderThan(db, new Date('nonsense')),
        (error) => (error as { code?: string }).code === 'INBOX_INVALID_ARGUMENT',
      );
      assert.equal(await totalCredits(db), 0);
    });
  });
}
