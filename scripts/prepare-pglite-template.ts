// Run by `npm ci` (postinstall): caches a freshly initialised PGlite database, so that the first
// `npm start` and every test that makes a new database unpack it instead of running initdb in WASM.
// Never fails the install: without the cache, new databases are only slower to create.
import { createPgliteDatabase } from '@tributary/database';

try {
  const database = await createPgliteDatabase();
  await database.close();
} catch (error) {
  process.stderr.write(
    `note: could not prepare the embedded database template (${(error as Error).message}); new databases will take longer to create\n`,
  );
}
