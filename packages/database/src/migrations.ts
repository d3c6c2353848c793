// Applies SQL migrations once per database (or schema), recording them in `schema_migrations`.
import type { Database, Migration } from './database.ts';
import { DatabaseError, toDatabaseError } from './database-error.ts';

function assertMigrations(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const migration of migrations) {
    if (typeof migration.id !== 'string' || migration.id.trim() === '') {
      throw new DatabaseError('DB_MIGRATION_FAILED', 'every migration needs a non-empty id');
    }
    if (seen.has(migration.id)) {
      throw new DatabaseError('DB_MIGRATION_FAILED', `migration id ${migration.id} appears twice`);
    }
    if (typeof migration.sql !== 'string' || migration.sql.trim() === '') {
      throw new DatabaseError('DB_MIGRATION_FAILED', `migration ${migration.id} has no SQL`);
    }
    seen.add(migration.id);
  }
}

/**
 * Applies, in the given order, every migration whose id is not yet in `schema_migrations`, each in its own
 * transaction together with its bookkeeping row; returns the ids applied by this call. On PostgreSQL a
 * transaction-scoped advisory lock (one per schema) makes concurrent starters take turns, so each migration
 * runs once. Migration SQL must not contain BEGIN/COMMIT of its own.
 */
export async function runMigrations(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  assertMigrations(migrations);
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      if (db.kind === 'postgres') {
        await tx.query(
          `SELECT pg_advisory_xact_lock(hashtext('tributary.schema_migrations.' || coalesce(current_schema(), '')))`,
        );
      }
      await tx.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (existing.rowCount > 0) return false;
      try {
        await tx.query(migration.sql);
      } catch (error) {
        const cause = toDatabaseError(error, `migration ${migration.id} failed`);
        throw new DatabaseError('DB_MIGRATION_FAILED', cause.message, {
          cause,
          ...(cause.sqlState === undefined ? {} : { sqlState: cause.sqlState }),
        });
      }
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return applied;
}
