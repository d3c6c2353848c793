// The UserStore port on SQL (PostgreSQL or PGlite): the users table, and the outbox rows of the events
// each change records in the same transaction.
import { type Database, isUniqueViolation, type SqlExecutor } from '@tributary/database';
import { outbox } from '@tributary/messaging';
import type {
  ChangeContext,
  PagePosition,
  UserStore,
  UserTransaction,
} from '../../application/user-store.ts';
import type { User, UserStatus } from '../../domain/user.ts';
import { userDeactivated, userRegistered } from '../messaging/user-events.ts';

interface UserRow {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  created_at: Date | string;
}

const COLUMNS = 'id, email, name, status, created_at';

function toUser(row: UserRow): User {
  const createdAt = row.created_at instanceof Date ? row.created_at : new Date(row.created_at);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    createdAt: createdAt.toISOString(),
  };
}

class SqlUserTransaction implements UserTransaction {
  readonly #tx: SqlExecutor;
  constructor(tx: SqlExecutor) {
    this.#tx = tx;
  }

  async getForUpdate(id: string): Promise<User | undefined> {
    const { rows } = await this.#tx.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }

  async deactivate(user: User, at: Date, ctx: ChangeContext): Promise<void> {
    await this.#tx.query('UPDATE users SET status = $2, updated_at = $3 WHERE id = $1', [
      user.id,
      user.status,
      at.toISOString(),
    ]);
    await outbox.enqueue(this.#tx, userDeactivated(user, ctx, at));
  }
}

export class SqlUserStore implements UserStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  async register(user: User, ctx: ChangeContext): Promise<'registered' | 'email-taken'> {
    try {
      // One statement writes the user and the event: atomic on its own, one round trip to the database.
      await outbox.enqueueWith(
        this.#db,
        {
          sql: `INSERT INTO users (${COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
          params: [user.id, user.email, user.name, user.status, user.createdAt],
        },
        userRegistered(user, ctx),
      );
      return 'registered';
    } catch (err) {
      if (isUniqueViolation(err)) return 'email-taken';
      throw err;
    }
  }

  transaction<T>(work: (tx: UserTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) => work(new SqlUserTransaction(tx)));
  }

  async get(id: string): Promise<User | undefined> {
    const { rows } = await this.#db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toUser(rows[0]);
  }

  async list(limit: number, after?: PagePosition): Promise<User[]> {
    const { rows } =
      after === undefined
        ? await this.#db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT $1`, [
            limit,
          ])
        : await this.#db.query<UserRow>(
            `SELECT ${COLUMNS} FROM users WHERE (created_at, id) > ($1::timestamptz, $2::uuid)
             ORDER BY created_at, id LIMIT $3`,
            [after.createdAt, after.id, limit],
          );
    return rows.map(toUser);
  }
}
