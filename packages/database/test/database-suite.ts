// The behaviour every implementation of the database port must show; run against PostgreSQL and PGlite.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Database, SqlExecutor } from '../src/database.ts';
import {
  DatabaseError,
  databaseErrorIn,
  isDatabaseUnavailable,
  isUniqueViolation,
} from '../src/database-error.ts';
import { runMigrations } from '../src/migrations.ts';
import { type DatabaseFixture, eventually } from '../src/testing/test-databases.ts';

/** Records the payloads of one channel. */
async function record(db: Database, channel: string) {
  const payloads: string[] = [];
  const stop = await db.listen(channel, (payload) => payloads.push(payload));
  return { payloads, stop };
}

export function databaseSuite(makeFixture: () => DatabaseFixture): void {
  const fixture = makeFixture();
  after(() => fixture.close());

  describe(`database port on ${fixture.kind}`, () => {
    it('reports its kind', async () => {
      const db = await fixture.open();
      assert.equal(db.kind, fixture.kind);
    });

    it('runs parameterised queries and reports row counts', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
      const inserted = await db.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b']);
      assert.equal(inserted.rowCount, 2);
      const updated = await db.query('UPDATE items SET name = upper(name) WHERE id >= $1', [1]);
      assert.equal(updated.rowCount, 2);
      const selected = await db.query<{ id: number; name: string }>(
        'SELECT id, name FROM items WHERE id = ANY($1::int[]) ORDER BY id',
        [[1, 2]],
      );
      assert.deepEqual(selected.rows, [
        { id: 1, name: 'A' },
        { id: 2, name: 'B' },
      ]);
      assert.equal(selected.rowCount, 2);
      const ahead = await db.queryAhead<{ n: number }>(
        'SELECT count(*)::int AS n FROM items WHERE id > $1',
        [1],
      );
      assert.deepEqual(ahead.rows, [{ n: 1 }]);
    });

    it('runs several statements when given no parameters and answers with the last one', async () => {
      const db = await fixture.open();
      const result = await db.query(
        "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('x'); SELECT body FROM notes",
      );
      assert.deepEqual(result.rows, [{ body: 'x' }]);
    });

    it('commits a transaction and returns what its body returned', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE items (id int PRIMARY KEY)');
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO items VALUES (1)');
        await tx.query('INSERT INTO items VALUES (2)');
        return 'done';
      });
      assert.equal(value, 'done');
      assert.equal((await db.query('SELECT * FROM items')).rowCount, 2);
    });

    it('rolls a transaction back when its body throws and rethrows that same error', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE items (id int PRIMARY KEY)');
      const failure = new Error('business rule broken');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES (1)');
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.equal((await db.query('SELECT * FROM items')).rowCount, 0);
    });

    it('rejects and keeps nothing when a failed statement was caught inside the transaction', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE items (id int PRIMARY KEY)');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO items VALUES (1)');
          await tx.query('INSERT INTO items VALUES (1)').catch(() => undefined);
        }),
        (error) => error instanceof DatabaseError,
      );
      assert.equal((await db.query('SELECT * FROM items')).rowCount, 0);
    });

    it('refuses queries on a transaction handle once the transaction has ended', async () => {
      const db = await fixture.open();
      let leaked: SqlExecutor | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(
        leaked!.query('SELECT 1'),
        (error) => (error as DatabaseError).code === 'DB_CLOSED',
      );
    });

    it('wraps a unique violation with its SQLSTATE, constraint and driver error', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE users (email text CONSTRAINT users_email_key UNIQUE)');
      await db.query('INSERT INTO users VALUES ($1)', ['a@example.com']);
      const error = await db.query('INSERT INTO users VALUES ($1)', ['a@example.com']).then(
        () => assert.fail('expected a unique violation'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof DatabaseError);
      assert.equal(error.code, 'DB_UNIQUE_VIOLATION');
      assert.equal(error.sqlState, '23505');
      assert.equal(error.constraint, 'users_email_key');
      assert.equal(error.retriable, false);
      assert.ok(error.cause instanceof Error);
      assert.ok(isUniqueViolation(error));
    });

    it('keeps the SQLSTATE of a unique violation raised inside a transaction', async () => {
      const db = await fixture.open();
      await db.query('CREATE TABLE users (email text PRIMARY KEY)');
      await db.query("INSERT INTO users VALUES ('a')");
      await assert.rejects(
        db.transaction((tx) => tx.query("INSERT INTO users VALUES ('a')")),
        (error) => error instanceof DatabaseError && error.sqlState === '23505',
      );
    });

    it('reports a full disk (and the rest of SQLSTATE class 53) as the database being unavailable, retriable', async () => {
      const db = await fixture.open();
      // What PostgreSQL raises when it cannot extend a file (53100) or accept a connection (53300).
      await db.query(`CREATE FUNCTION fail_with(state text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = state; END $$`);
      for (const state of ['53100', '53300']) {
        const failure = await db.query('SELECT fail_with($1)', [state]).then(
          () => assert.fail('the statement succeeded'),
          (error: unknown) => error,
        );
        assert.ok(failure instanceof DatabaseError);
        assert.equal(failure.code, 'DB_OUT_OF_RESOURCES');
        assert.equal(failure.sqlState, state);
        assert.equal(failure.retriable, true);
        assert.equal(isDatabaseUnavailable(failure), true);
        assert.equal(databaseErrorIn(new Error('wrapped', { cause: failure })), failure);
      }
      // Other failed statements are not the database being unavailable.
      const syntax = await db.query('SELEC 1').catch((error: unknown) => error);
      assert.equal(isDatabaseUnavailable(syntax), false);
    });

    it('reports a syntax error as a failed query with its SQLSTATE', async () => {
      const db = await fixture.open();
      await assert.rejects(
        db.query('SELEC 1'),
        (error) =>
          error instanceof DatabaseError && error.code === 'DB_QUERY_FAILED' && error.sqlState === '42601',
      );
    });

    it('delivers a notification only once its transaction commits', async () => {
      const db = await fixture.open();
      const events = await record(db, 'orders_ready');
      const barrier = await record(db, 'barrier');
      await db.transaction(async (tx) => {
        await tx.query("SELECT pg_notify('orders_ready', 'o-1')");
        if (db.kind === 'postgres') {
          // Notifications of one server reach the listener in commit order: once the barrier (committed on
          // another connection) is in, an early 'o-1' would be in too.
          await db.query("SELECT pg_notify('barrier', 'b')");
          await eventually(() => (barrier.payloads.length > 0 ? true : undefined), 'the barrier');
        } else {
          // PGlite hands notifications out as each statement completes.
          await tx.query('SELECT 1');
        }
        assert.deepEqual(events.payloads, [], 'notification delivered before commit');
      });
      await eventually(() => (events.payloads.length > 0 ? true : undefined), 'the committed notification');
      assert.deepEqual(events.payloads, ['o-1']);
      await events.stop();
      await barrier.stop();
    });

    it('never delivers a notification from a rolled-back transaction', async () => {
      const db = await fixture.open();
      const events = await record(db, 'orders_ready');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query("SELECT pg_notify('orders_ready', 'rolled-back')");
          throw new Error('abort');
        }),
      );
      await db.query("SELECT pg_notify('orders_ready', 'committed')");
      await eventually(() => (events.payloads.length > 0 ? true : undefined), 'the committed notification');
      assert.deepEqual(events.payloads, ['committed']);
      await events.stop();
    });

    it('stops delivering once the listener is stopped, other channels unaffected', async () => {
      const db = await fixture.open();
      const first = await record(db, 'first');
      const second = await record(db, 'second');
      await first.stop();
      await db.query("SELECT pg_notify('first', 'late')");
      await db.query("SELECT pg_notify('second', 'marker')");
      await eventually(() => (second.payloads.length > 0 ? true : undefined), 'the marker');
      assert.deepEqual(first.payloads, []);
      await second.stop();
    });

    it('rejects channel names that are not plain identifiers', async () => {
      const db = await fixture.open();
      await assert.rejects(
        db.listen('bad channel; DROP TABLE x', () => {}),
        (error) => (error as DatabaseError).code === 'DB_INVALID_NAME',
      );
    });

    it('applies migrations in order, once, and returns the ids it applied', async () => {
      const db = await fixture.open();
      const migrations = [
        { id: '001-items', sql: 'CREATE TABLE items (id int PRIMARY KEY)' },
        {
          id: '002-names',
          sql: 'ALTER TABLE items ADD COLUMN name text; INSERT INTO items VALUES (1, $$a$$)',
        },
      ];
      assert.deepEqual(await runMigrations(db, migrations), ['001-items', '002-names']);
      assert.deepEqual(await runMigrations(db, migrations), []);
      const third = { id: '003-more', sql: 'INSERT INTO items VALUES (2, $$b$$)' };
      assert.deepEqual(await runMigrations(db, [...migrations, third]), ['003-more']);
      assert.equal((await db.query('SELECT * FROM items')).rowCount, 2);
      const recorded = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(
        recorded.rows.map((row) => row.id),
        ['001-items', '002-names', '003-more'],
      );
    });

    it('rolls back a failing migration entirely and does not record it', async () => {
      const db = await fixture.open();
      const good = { id: '001-good', sql: 'CREATE TABLE good (id int)' };
      const broken = { id: '002-broken', sql: 'CREATE TABLE items (id int); INSERT INTO nowhere VALUES (1)' };
      await assert.rejects(
        runMigrations(db, [good, broken]),
        (error) =>
          error instanceof DatabaseError &&
          error.code === 'DB_MIGRATION_FAILED' &&
          error.sqlState === '42P01',
      );
      assert.equal((await db.query("SELECT to_regclass('items') AS t")).rows[0]?.t, null);
      const recorded = await db.query('SELECT id FROM schema_migrations');
      assert.deepEqual(recorded.rows, [{ id: '001-good' }]);
    });

    it('rejects a migration list with a repeated id before touching the database', async () => {
      const db = await fixture.open();
      const step = { id: '001', sql: 'CREATE TABLE a (id int)' };
      await assert.rejects(
        runMigrations(db, [step, step]),
        (error) => (error as DatabaseError).code === 'DB_MIGRATION_FAILED',
      );
      assert.equal((await db.query("SELECT to_regclass('a') AS t")).rows[0]?.t, null);
    });
  });
}
