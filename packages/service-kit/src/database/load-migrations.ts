// Reads a service's SQL migrations from a folder: one `.sql` file per migration, applied in file-name order
// (name them `001-create-users.sql`, `002-...`); the id is the file name without `.sql`.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SqlMigration {
  id: string;
  sql: string;
}

export class MigrationLoadError extends Error {
  readonly code = 'MIGRATION_LOAD_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationLoadError';
  }
}

export async function loadMigrations(dir: string | URL): Promise<SqlMigration[]> {
  const path = dir instanceof URL ? dir.pathname : dir;
  let names: string[];
  try {
    names = (await readdir(path)).filter((name) => name.endsWith('.sql'));
  } catch (error) {
    throw new MigrationLoadError(`cannot read migrations folder ${path}`, { cause: error });
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: SqlMigration[] = [];
  for (const name of names) {
    const sql = await readFile(join(path, name), 'utf8');
    if (sql.trim() === '') throw new MigrationLoadError(`migration ${name} in ${path} is empty`);
    migrations.push({ id: name.slice(0, -'.sql'.length), sql });
  }
  return migrations;
}
