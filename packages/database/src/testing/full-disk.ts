// A full disk on demand, for tests of what a service does when its database cannot write: while switched
// on, every write of the given kind to one table fails with the error PostgreSQL raises when it cannot
// extend a file (SQLSTATE 53100, disk_full). Works alike on PostgreSQL and PGlite (a PL/pgSQL trigger).
import type { SqlExecutor } from '../database.ts';

export interface FullDisk {
  /** From now on the table's writes fail. */
  fill(): Promise<void>;
  /** From now on they succeed again. */
  free(): Promise<void>;
}

/** Installs the switch on `table` (a plain table name) for `write` statements; it starts off. */
export async function fullDiskFor(
  db: SqlExecutor,
  table: string,
  write: 'INSERT' | 'UPDATE',
): Promise<FullDisk> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a plain table name: ${table}`);
  const flag = `${table}_disk_full`;
  await db.query(`CREATE TABLE ${flag} (since timestamptz NOT NULL DEFAULT now());
    CREATE FUNCTION ${flag}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM ${flag}) THEN
        RAISE EXCEPTION 'could not extend file of %: No space left on device', TG_TABLE_NAME
          USING ERRCODE = 'disk_full';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${flag} BEFORE ${write} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${flag}_refuse();`);
  return {
    fill: async () => {
      await db.query(`INSERT INTO ${flag} DEFAULT VALUES`);
    },
    free: async () => {
      await db.query(`DELETE FROM ${flag}`);
    },
  };
}
