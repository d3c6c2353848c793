// Statements prepared once on PGlite's only session: planning the relay's claim there takes ~10× longer than
// running it (measured: 18.9 ms planned each time, 1.5 ms prepared; the mark 5.5 ms against 0.2 ms), and
// PGlite shares its one connection with the service's requests. Values travel as checked literals, since
// EXECUTE takes no bind parameters.
import type { QueryResult, SqlExecutor } from '@tributary/database';
import { OutboxError } from './outbox-error.ts';

let instances = 0;

export class PreparedStatements {
  readonly #db: SqlExecutor;
  readonly #prefix: string;
  /** Statements prepared or being prepared: rounds running side by side must not prepare one twice. */
  readonly #prepared = new Map<string, Promise<unknown>>();

  constructor(db: SqlExecutor) {
    this.#db = db;
    instances += 1;
    this.#prefix = `tributary_outbox_${instances}`;
  }

  /**
   * Runs `sql` (with `$1..$n` of `types`) as a prepared statement named `name`, with `values` as literals.
   * A statement without parameters is planned once; with parameters PostgreSQL may plan each execution.
   */
  async run<R>(name: string, sql: string, types: readonly string[], values: readonly string[]) {
    const statement = `${this.#prefix}_${name}`;
    let preparing = this.#prepared.get(statement);
    if (preparing === undefined) {
      const parameters = types.length === 0 ? '' : `(${types.join(', ')})`;
      preparing = this.#db.query(`PREPARE ${statement}${parameters} AS ${sql}`);
      this.#prepared.set(statement, preparing);
      // A failed PREPARE is tried again by the next run.
      preparing.catch(() => this.#prepared.delete(statement));
    }
    await preparing;
    return this.#db.query<R>(
      values.length === 0 ? `EXECUTE ${statement}` : `EXECUTE ${statement}(${values.join(', ')})`,
    ) as Promise<QueryResult<R>>;
  }

  /** Forgets every statement (the relay stopped); a closed database has forgotten them already. */
  async close(): Promise<void> {
    for (const statement of this.#prepared.keys()) {
      await this.#db.query(`DEALLOCATE ${statement}`).catch(() => undefined);
    }
    this.#prepared.clear();
  }
}

function invalid(what: string): OutboxError {
  return new OutboxError('OUTBOX_INVALID_OPTIONS', `${what} cannot be passed to a prepared statement`);
}

export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw invalid(`${value}`);
  return String(value);
}

export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw invalid(`${value}`);
  return `${value}::double precision`;
}

/** Outbox ids (bigints as text) as an array literal. */
export function idsLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!/^[0-9]{1,19}$/.test(id)) throw invalid(`outbox id ${JSON.stringify(id)}`);
  return `'{${ids.join(',')}}'::bigint[]`;
}
