import assert from 'node:assert/strict';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
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

  it('survives its backend being terminated while a transaction holds the connection, and recovers', async () => {
    const applicationName = `held_${uniqueSchema()}`;
    const db = open(uniqueSchema(), applicationName);
    const admin = open(uniqueSchema());
    await db.query('CREATE TABLE things (id int)');
    const transaction = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // No statement is running on the held connection when its backend goes: pg reports that as an
      // 'error' event on the client, which ends the process unless someone listens.
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await eventually(
        async () =>
          (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [rows[0].pid])).rowCount === 0
            ? true
            : undefined,
        'the backend to be gone',
        10_000,
      );
      await admin.query('SELECT 1');
      await tx.query('INSERT INTO things VALUES (1)');
    });
    await assert.rejects(
      transaction,
      (error) => error instanceof DatabaseError && error.code === 'DB_CONNECTION_FAILED' && error.retriable,
    );
    await db.transaction((tx) => tx.query('INSERT INTO things VALUES (2)'));
    assert.deepEqual((await db.query('SELECT id FROM things')).rows, [{ id: 2 }]);
  });

  it('keeps serving after every backend is terminated repeatedly under load', async () => {
    const applicationName = `load_${uniqueSchema()}`;
    const db = open(uniqueSchema(), applicationName);
    const admin = open(uniqueSchema());
    await db.query('CREATE TABLE things (id int PRIMARY KEY)');
    let next = 0;
    const committed: number[] = [];
    const failures: unknown[] = [];
    let running = true;
    const workers = Array.from({ length: 3 }, async () => {
      while (running) {
        const id = next++;
        try {
          await db.transaction(async (tx) => {
            await tx.query('INSERT INTO things VALUES ($1)', [id]);
            await tx.query('SELECT pg_sleep(0.005)');
          });
          committed.push(id);
        } catch (error) {
          failures.push(error);
        }
      }
    });
    try {
      for (let round = 0; round < 4; round++) {
        await eventually(() => (committed.length > (round + 1) * 5 ? true : undefined), 'commits', 20_000);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        );
      }
      const before = committed.length;
      await eventually(
        () => (committed.length > before + 5 ? true : undefined),
        'commits after the kills',
        20_000,
      );
    } finally {
      // A failure above must not leave the workers writing (and collecting failures) for ever.
      running = false;
      await Promise.all(workers);
    }
    for (const failure of failures) {
      assert.ok(
        failure instanceof DatabaseError && failure.code === 'DB_CONNECTION_FAILED' && failure.retriable,
        `unexpected failure: ${String(failure)}`,
      );
    }
    const stored = (await db.query<{ id: number }>('SELECT id FROM things ORDER BY id')).rows.map(
      (r) => r.id,
    );
    assert.deepEqual(
      stored,
      [...committed].sort((a, b) => a - b),
    );
  });

  it('survives a termination notice read together with the answer that hands the connection over', async () => {
    // A proxy in front of PostgreSQL that, once armed, appends a FATAL 57P01 (what pg_terminate_backend sends)
    // to the next answer ending in ReadyForQuery, in the same write, then closes. The pool's only connection
    // finishes one caller's query and goes to a transaction waiting for it while the driver is still
    // parsing that read: the notice must reach a listener, not end the process.
    const target = new URL(DATABASE_URL);
    let armed = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('data', (chunk) => server.write(chunk));
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
      server.on('data', (chunk: Buffer) => {
        const readyForQuery = chunk.length >= 6 && chunk[chunk.length - 6] === 0x5a;
        if (!armed || !readyForQuery) {
          client.write(chunk);
          return;
        }
        armed = false;
        client.end(Buffer.concat([chunk, terminationNotice()]));
        server.destroy();
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    const via = new URL(DATABASE_URL);
    via.hostname = '127.0.0.1';
    via.port = String(port);
    const schema = uniqueSchema();
    schemas.push(schema);
    const db = createPostgresDatabase({ connectionString: via.toString(), schema, max: 1 });
    try {
      await db.query('CREATE TABLE things (id int)');
      armed = true;
      const first = db.query('SELECT pg_sleep(0.2)');
      const waiting = db.transaction((tx) => tx.query('INSERT INTO things VALUES (1)'));
      await first;
      await assert.rejects(
        waiting,
        (error) => error instanceof DatabaseError && error.code === 'DB_CONNECTION_FAILED' && error.retriable,
      );
      await db.transaction((tx) => tx.query('INSERT INTO things VALUES (2)'));
      assert.deepEqual((await db.query('SELECT id FROM things')).rows, [{ id: 2 }]);
    } finally {
      await db.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
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

/** The ErrorResponse PostgreSQL sends a backend that pg_terminate_backend stopped (SQLSTATE 57P01). */
function terminationNotice(): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', '57P01'],
      ['M', 'terminating connection due to administrator command'],
    ].map(([code, value]) => Buffer.from(`${code}${value}\0`)),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
