// The baseline of `bench:services`: a bare Fastify route doing the User Service's INSERT into the same table
// on the same kind of database, in a process of its own. Prints `listening <url>` once it accepts requests.
// Usage: node bench/bare-users-server.ts --port 0 (--data-dir DIR | --database-url URL --schema NAME)
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createPgliteDatabase, createPostgresDatabase, type Database } from '@tributary/database';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    schema: { type: 'string', default: 'bench_bare_users' },
  },
});

const db: Database =
  values['database-url'] === undefined
    ? await createPgliteDatabase({ dataDir: values['data-dir'] })
    : createPostgresDatabase({ connectionString: values['database-url'], schema: values.schema });
// The User Service's table and indexes (services/user-service/migrations/001-users.sql).
await db.query(`
  CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY, email text NOT NULL, name text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
  CREATE UNIQUE INDEX IF NOT EXISTS users_email_unique ON users (email);
  CREATE INDEX IF NOT EXISTS users_by_created ON users (created_at, id)`);

const app = Fastify();
app.post('/users', async (request, reply) => {
  const { email, name } = request.body as { email: string; name: string };
  const now = new Date().toISOString();
  const { rows } = await db.query(
    `INSERT INTO users (id, email, name, status, created_at, updated_at)
     VALUES ($1, $2, $3, 'active', $4, $4) RETURNING id, email, name, status, created_at`,
    [randomUUID(), email.trim().toLowerCase(), name, now],
  );
  return reply.code(201).send(rows[0]);
});

const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);

const stop = async () => {
  await app.close();
  if (values['database-url'] !== undefined) {
    await db.query(`DROP SCHEMA IF EXISTS ${values.schema} CASCADE`).catch(() => undefined);
  }
  await db.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
