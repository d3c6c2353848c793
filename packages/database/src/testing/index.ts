// Test support for code that runs on the database port (`@tributary/database/testing`).
export {
  DATABASE_URL,
  type DatabaseFixture,
  databaseFixtures,
  eventually,
  pgliteFixture,
  postgresFixture,
  uniqueSchema,
} from './test-databases.ts';
