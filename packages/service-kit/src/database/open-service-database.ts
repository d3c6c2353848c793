// A service's database, waited for: PGlite under its data directory by default, PostgreSQL (in the
// service's own schema) when a connection string is given; migrations run before it is handed out.
// Processes that must serve (and report not ready) meanwhile use `startServiceDatabase` instead.
import type { Database } from '@tributary/database';
import { type ServiceDatabaseOptions, startServiceDatabase } from './service-database.ts';

export type OpenServiceDatabaseOptions = ServiceDatabaseOptions;

export async function openServiceDatabase(options: OpenServiceDatabaseOptions): Promise<Database> {
  const db = startServiceDatabase(options);
  try {
    await db.ready;
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
