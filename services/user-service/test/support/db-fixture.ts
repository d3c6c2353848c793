// The User Service's database for tests, on PGlite (in memory) or PostgreSQL (a throwaway schema).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Database } from '@tributary/database';
import { INBOX_MIGRATIONS, OUTBOX_MIGRATIONS } from '@tributary/messaging';
import { loadMigrations, openServiceDatabase } from '@tributary/service-kit';

export type DbKind = 'pglite' | 'postgres';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function openTestDatabase(kind: DbKind): Promise<{ db: Database; drop: () => Promise<void> }> {
  const own = await loadMigrations(fileURLToPath(new URL('../../migrations', import.meta.url)));
  const schema = `user_test_${randomBytes(4).toString('hex')}`;
  const db = await openServiceDatabase({
    databaseUrl: kind === 'postgres' ? DATABASE_URL : undefined,
    schema,
    migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, ...own],
  });
  const drop = async () => {
    if (kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  };
  return { db, drop };
}
