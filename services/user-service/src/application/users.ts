// User use cases: register, read, list and deactivate; every change writes its event to the outbox in
// the same transaction.
import { randomUUID } from 'node:crypto';
import { type Database, isUniqueViolation } from '@tributary/database';
import { outbox } from '@tributary/messaging';
import { decodePageCursor, encodePageCursor } from '@tributary/service-kit';
import { type EventContext, userDeactivated, userRegistered } from '../adapters/messaging/user-events.ts';
import {
  deactivateUser,
  InvalidUserError,
  registerUser,
  type User,
  type UserStatus,
} from '../domain/user.ts';
import { emailTaken, invalidUser, userNotFound } from './user-errors.ts';

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

export class Users {
  readonly #db: Database;
  readonly #now: () => Date;

  constructor(deps: { db: Database; now?: () => Date }) {
    this.#db = deps.db;
    this.#now = deps.now ?? (() => new Date());
  }

  async register(input: { email: string; name: string }, ctx: EventContext): Promise<User> {
    let user: User;
    try {
      user = registerUser({ id: randomUUID(), email: input.email, name: input.name, now: this.#now() });
    } catch (err) {
      if (err instanceof InvalidUserError) throw invalidUser(err.message);
      throw err;
    }
    try {
      await this.#db.transaction(async (tx) => {
        await tx.query(`INSERT INTO users (${COLUMNS}, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, [
          user.id,
          user.email,
          user.name,
          user.status,
          user.createdAt,
        ]);
        await outbox.enqueue(tx, userRegistered(user, ctx));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken(user.email);
      throw err;
    }
    return user;
  }

  async get(id: string): Promise<User> {
    const { rows } = await this.#db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    if (rows.length === 0) throw userNotFound(id);
    return toUser(rows[0]);
  }

  async list(page: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: User[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    let where = '';
    if (page.cursor !== undefined) {
      const after = decodePageCursor(page.cursor);
      params.push(after.createdAt, after.id);
      where = 'WHERE (created_at, id) > ($1::timestamptz, $2::uuid)';
    }
    params.push(page.limit + 1);
    const { rows } = await this.#db.query<UserRow>(
      `SELECT ${COLUMNS} FROM users ${where} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, page.limit).map(toUser);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > page.limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  /** Deactivates the user; a second call returns the user unchanged and emits nothing. */
  async deactivate(id: string, ctx: EventContext): Promise<User> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
      if (rows.length === 0) throw userNotFound(id);
      const { user, changed } = deactivateUser(toUser(rows[0]));
      if (changed) {
        const now = this.#now();
        await tx.query('UPDATE users SET status = $2, updated_at = $3 WHERE id = $1', [
          id,
          user.status,
          now.toISOString(),
        ]);
        await outbox.enqueue(tx, userDeactivated(user, ctx, now));
      }
      return user;
    });
  }
}
