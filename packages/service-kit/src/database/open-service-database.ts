// A service's database: PGlite under its data directory by default, PostgreSQL (in the service's own
// schema) when a connection string is given; migrations run before it is handed out.
import {
  createPgliteDatabase,
  createPostgresDatabase,
  type Database,
  type Migration,
  runMigrations,
} from '@tributary/database';
import type { Logger } from 'pino';

export interface OpenServiceDatabaseOptions {
  /** postgres:// URL; when absent, PGlite stores the data under `dataDir`. */
  databaseUrl?: string;
  /** PostgreSQL schema the service owns. */
  schema: string;
  /** PGlite data directory; undefined keeps the data in memory (tests). */
  dataDir?: string;
  migrations: readonly Migration[];
  logger?: Logger;
}

export async function openServiceDatabase(options: OpenServiceDatabaseOptions): Promise<Database> {
  const db = options.databaseUrl
    ? createPostgresDatabase({
        connectionString: options.databaseUrl,
        schema: options.schema,
        logger: options.logger,
      })
    : await createPgliteDatabase({ dataDir: options.dataDir, logger: options.logger });
  try {
    await runMigrations(db, options.migrations);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
