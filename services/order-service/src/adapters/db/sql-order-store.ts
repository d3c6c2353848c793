// The OrderStore port on SQL (PostgreSQL or PGlite): orders, the user projection, remembered idempotent
// results and the inbox, with each change's event written to the outbox in the same transaction.
import type { Database, SqlExecutor } from '@tributary/database';
import { inbox, outbox } from '@tributary/messaging';
import {
  type ChangeContext,
  IdempotencyKeyRaceError,
  type OrderFilter,
  type OrderStore,
  type OrderTransaction,
  type PagePosition,
  type ProjectedUserStatus,
  type RememberedResult,
} from '../../application/order-store.ts';
import type { Order, StatusChange } from '../../domain/index.ts';
import { orderPlaced, orderStatusChanged } from '../messaging/order-events.ts';
import { ORDER_COLUMNS, type OrderRow, toOrder } from './order-rows.ts';

class SqlOrderTransaction implements OrderTransaction {
  readonly #tx: SqlExecutor;
  constructor(tx: SqlExecutor) {
    this.#tx = tx;
  }

  async remembered(scope: string, key: string, notBefore: Date): Promise<RememberedResult | undefined> {
    // Locks the row: a second request with the key waits for the first and then sees its result.
    const { rows } = await this.#tx.query<{ request_hash: string; response: Order | string }>(
      `SELECT request_hash, response FROM idempotency_keys
       WHERE scope = $1 AND key = $2 AND created_at >= $3 FOR UPDATE`,
      [scope, key, notBefore.toISOString()],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const order = typeof row.response === 'string' ? (JSON.parse(row.response) as Order) : row.response;
    return { requestHash: row.request_hash, order };
  }

  async remember(
    scope: string,
    key: string,
    result: RememberedResult,
    at: Date,
    notBefore: Date,
  ): Promise<void> {
    const { rowCount } = await this.#tx.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)
       VALUES ($1, $2, $3, 201, $4, $5)
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, response = EXCLUDED.response, created_at = EXCLUDED.created_at
         WHERE idempotency_keys.created_at < $6`,
      [
        scope,
        key,
        result.requestHash,
        JSON.stringify(result.order),
        at.toISOString(),
        notBefore.toISOString(),
      ],
    );
    if (rowCount === 0) throw new IdempotencyKeyRaceError(scope, key);
  }

  async userStatus(userId: string): Promise<ProjectedUserStatus | undefined> {
    const { rows } = await this.#tx.query<{ status: ProjectedUserStatus }>(
      'SELECT status FROM users_projection WHERE id = $1',
      [userId],
    );
    return rows[0]?.status;
  }

  async insert(order: Order, ctx: ChangeContext): Promise<void> {
    await this.#tx.query(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      order.id,
      order.userId,
      JSON.stringify(order.items),
      order.totalCents,
      order.status,
      order.createdAt,
      order.updatedAt,
    ]);
    await outbox.enqueue(this.#tx, orderPlaced(order, ctx));
  }

  async getForUpdate(id: string): Promise<Order | undefined> {
    const { rows } = await this.#tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] === undefined ? undefined : toOrder(rows[0]);
  }

  async openOrdersOf(userId: string): Promise<Order[]> {
    const { rows } = await this.#tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND status IN ('Pending', 'Confirmed')
       ORDER BY created_at, id FOR UPDATE`,
      [userId],
    );
    return rows.map(toOrder);
  }

  async changeStatus(change: StatusChange, ctx: ChangeContext): Promise<void> {
    await this.#tx.query('UPDATE orders SET status = $2, updated_at = $3, cancel_reason = $4 WHERE id = $1', [
      change.order.id,
      change.to,
      change.order.updatedAt,
      change.to === 'Cancelled' ? (change.reason ?? null) : null,
    ]);
    await outbox.enqueue(
      this.#tx,
      orderStatusChanged(change.order, change.from, change.to, ctx, change.reason),
    );
  }

  async userRegistered(user: { userId: string; email: string; name: string }): Promise<void> {
    await this.#tx.query(
      `INSERT INTO users_projection (id, email, name, status) VALUES ($1, $2, $3, 'active')
       ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, updated_at = now()`,
      [user.userId, user.email, user.name],
    );
  }

  async userDeactivated(userId: string): Promise<void> {
    await this.#tx.query(
      `INSERT INTO users_projection (id, email, name, status) VALUES ($1, '', '', 'inactive')
       ON CONFLICT (id) DO UPDATE SET status = 'inactive', updated_at = now()`,
      [userId],
    );
  }
}

export class SqlOrderStore implements OrderStore {
  readonly #db: Database;
  constructor(db: Database) {
    this.#db = db;
  }

  transaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
    return this.#db.transaction((tx) => work(new SqlOrderTransaction(tx)));
  }

  once<T>(
    group: string,
    messageId: string,
    work: (tx: OrderTransaction) => Promise<T>,
  ): Promise<{ duplicate: false; result: T } | { duplicate: true }> {
    return inbox.handleOnce(this.#db, { group, messageId }, (tx) => work(new SqlOrderTransaction(tx)));
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.#db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [
      id,
    ]);
    return rows[0] === undefined ? undefined : toOrder(rows[0]);
  }

  async list(filter: OrderFilter, limit: number, after?: PagePosition): Promise<Order[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.userId !== undefined) {
      params.push(filter.userId);
      where.push(`user_id = $${params.length}`);
    }
    if (filter.status !== undefined) {
      params.push(filter.status);
      where.push(`status = $${params.length}`);
    }
    if (after !== undefined) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    const { rows } = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toOrder);
  }

  async purgeIdempotencyKeys(cutoff: Date): Promise<number> {
    const { rowCount } = await this.#db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [
      cutoff.toISOString(),
    ]);
    return rowCount;
  }

  purgeInbox(cutoff: Date): Promise<number> {
    return inbox.purgeOlderThan(this.#db, cutoff);
  }
}
