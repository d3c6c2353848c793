import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DatabaseError } from '../src/database-error.ts';
import { runMigrations } from '../src/migrations.ts';
import { createPostgresDatabase } from '../src/postgres-database.ts';
import { DATABASE_URL, eventually, postgresFixture, uniqueSchema } from '../src/testing/test-databases.ts';
import { databaseSuite } from './database-suite.ts';

databaseSuite(postgresFixture);

describe('database port on postgres only', () => {
  const schemas: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  function open(schema: string, applicationName?: string) {
    if (!schemas.includes(schema)) schemas.push(schema);
    const db = createPostgresDatabase({
      connectionString: DATABASE_URL,
      schema,
      max: 3,
      ...(applicationName === undefined ? {} : { applicationName }),
    });
    closers.push(() => db.close());
    return db;
  }
  after(async () => {
    for (const close of closers) await close();
    const admin = createPostgresDatabase({ connectionString: DATABASE_URL, max: 1 });
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it('creates its schema and keeps each service in its own', async () => {
    const users = open(uniqueSchema());
    const orders = open(uniqueSchema());
    await users.query('CREATE TABLE things (name text)');
    await orders.query('CREATE TABLE things (name text)');
    await users.query("INSERT INTO things VALUES ('user thing')");
    assert.deepEqual((await users.query('SELECT name FROM things')).rows, [{ name: 'user thing' }]);
    assert.equal((await orders.query('SELECT name FROM things')).rowCount, 0);
  });

  it('applies each migration once when two starters race on the same schema', async () => {
    const schema = uniqueSchema();
    const first = open(schema);
    const second = open(schema);
    // Without IF NOT EXISTS, a second run of any of these would fail.
    const migrations = Array.from({ length: 5 }, (_, index) => ({
      id: `00${index}`,
      sql: `CREATE TABLE step_${index} (id int); CREATE TABLE IF NOT EXISTS runs (id text);
            INSERT INTO runs VALUES ('00${index}')`,
    }));
    const [a, b] = await Promise.all([runMigrations(first, migrations), runMigrations(second, migrations)]);
    assert.deepEqual([...a, ...b].sort(), migrations.map((migration) => migration.id).sort());
    const runs = await first.query<{ id: string }>('SELECT id FROM runs ORDER BY id');
    assert.deepEqual(
      runs.rows.map((row) => row.id),
      migrations.map((migration) => migration.id),
    );
  });

  it('keeps listening after its connection is killed', async () => {
    const applicationName = `listener_${uniqueSchema()}`;
    const db = open(uniqueSchema(), applicationName);
    const payloads: string[] = [];
    const stop = await db.listen('wake', (payload) => payloads.push(payload));
    const killed = await db.query<{ killed: boolean }>(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
      [`${applicationName}:listen`],
    );
    assert.deepEqual(killed.rows, [{ killed: true }]);
    // Notifications sent while it is down are lost (listeners poll too), so keep notifying until one lands.
    await eventually(
      async () => {
        await db.query("SELECT pg_notify('wake', 'again')");
        return payloads.includes('again') ? true : undefined;
      },
      'a notification after reconnecting',
      10_000,
    );
    await stop();
  });

  it('reports an unreachable server as a retriable connection failure', async () => {
    const db = createPostgresDatabase({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    closers.push(() => db.close());
    await assert.rejects(
      db.query('SELECT 1'),
      (error) => error instanceof DatabaseError && error.code === 'DB_CONNECTION_FAILED' && error.retriable,
    );
  });

  it('rejects a schema name that is not a plain identifier', () => {
    assert.throws(
      () => createPostgresDatabase({ connectionString: DATABASE_URL, schema: 'Users; DROP' }),
      (error) => error instanceof DatabaseError && error.code === 'DB_INVALID_NAME',
    );
  });

  it('refuses queries once closed', async () => {
    const db = createPostgresDatabase({ connectionString: DATABASE_URL });
    await db.close();
    await assert.rejects(db.query('SELECT 1'), (error) => (error as DatabaseError).code === 'DB_CLOSED');
  });
});
