// Databases for tests: a fresh schema per test on the shared PostgreSQL server, a reset PGlite per test file.
import { randomBytes } from 'node:crypto';
import type { Database, DatabaseKind } from '../database.ts';
import { createPgliteDatabase } from '../pglite-database.ts';
import { createPostgresDatabase } from '../postgres-database.ts';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface DatabaseFixture {
  readonly kind: DatabaseKind;
  /** An empty database for one test: a new schema on PostgreSQL, the file's PGlite wiped clean. */
  open(): Promise<Database>;
  /** Releases everything `open` handed out; call it in `after`. */
  close(): Promise<void>;
}

export function postgresFixture(): DatabaseFixture {
  const opened: Array<{ db: Database; schema: string }> = [];
  return {
    kind: 'postgres',
    async open() {
      const schema = uniqueSchema();
      const db = createPostgresDatabase({ connectionString: DATABASE_URL, schema, max: 4 });
      opened.push({ db, schema });
      return db;
    },
    async close() {
      await Promise.all(opened.map(({ db }) => db.close()));
      if (opened.length === 0) return;
      const admin = createPostgresDatabase({ connectionString: DATABASE_URL, max: 1 });
      try {
        for (const { schema } of opened) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}

export function pgliteFixture(): DatabaseFixture {
  let shared: Promise<Database> | undefined;
  return {
    kind: 'pglite',
    async open() {
      shared ??= createPgliteDatabase();
      const db = await shared;
      await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      // Tests close what they open; the file's instance is closed once, by `close()`.
      return { ...db, close: async () => {} };
    },
    async close() {
      if (shared !== undefined) await (await shared).close();
    },
  };
}

export const databaseFixtures: ReadonlyArray<() => DatabaseFixture> = [postgresFixture, pgliteFixture];

/** Resolves with the first value `poll` returns that is not undefined; rejects after `timeoutMs`. */
export async function eventually<T>(
  poll: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
