// Test support for code that runs on the database port (`@tributary/database/testing`).

export { type FullDisk, fullDiskFor } from './full-disk.ts';
export { createOwnPostgres, type OwnPostgres } from './own-postgres.ts';
export {
  DATABASE_URL,
  type DatabaseFixture,
  databaseFixtures,
  eventually,
  pgliteFixture,
  postgresFixture,
  uniqueSchema,
} from './test-databases.ts';
