// The User Service's database for tests, on PGlite (in memory) or PostgreSQL (a throwaway schema).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  OUTBOX_MIGRATIONS,
  runMigrations,
} from '@tributary/messaging';
import { loadMigrations } from '@tributary/service-kit';

export type DbKind = 'pglite' | 'postgres';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function openTestDatabase(kind: DbKind): Promise<{ db: Database; drop: () => Promise<void> }> {
  const own = await loadMigrations(fileURLToPath(new URL('../../migrations', import.meta.url)));
  const migrations = [...OUTBOX_MIGRATIONS, ...own];
  if (kind === 'pglite') {
    const db = await createPgliteDatabase({});
    await runMigrations(db, migrations);
    return { db, drop: () => db.close() };
  }
  const schema = `user_test_${randomBytes(4).toString('hex')}`;
  const db = createPostgresDatabase({ connectionString: DATABASE_URL, schema });
  await runMigrations(db, migrations);
  return {
    db,
    drop: async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}
