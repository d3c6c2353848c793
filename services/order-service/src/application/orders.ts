// Order use cases: place (with Idempotency-Key), read, list and change status; every state change writes
// its event to the outbox in the same transaction.
import { createHash, randomUUID } from 'node:crypto';
import { type Database, isUniqueViolation, type SqlExecutor } from '@tributary/database';
import { outbox } from '@tributary/messaging';
import { decodePageCursor, encodePageCursor } from '@tributary/service-kit';
import { ORDER_COLUMNS, type OrderRow, toOrder } from '../adapters/db/order-rows.ts';
import { type EventContext, orderPlaced, orderStatusChanged } from '../adapters/messaging/order-events.ts';
import {
  changeStatus,
  InvalidOrderError,
  ORDER_ACTIONS,
  type Order,
  type OrderAction,
  OrderInvalidTransitionError,
  type OrderItem,
  type OrderStatus,
  placeOrder,
} from '../domain/index.ts';
import {
  idempotencyKeyReused,
  invalidOrder,
  invalidTransition,
  orderNotFound,
  userInactive,
  userNotFound,
} from './order-errors.ts';

export interface PlaceOrderInput {
  userId: string;
  items: OrderItem[];
}

export interface OrdersDeps {
  db: Database;
  now?: () => Date;
  newId?: () => string;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

export class Orders {
  readonly #db: Database;
  readonly #now: () => Date;
  readonly #newId: () => string;

  constructor(deps: OrdersDeps) {
    this.#db = deps.db;
    this.#now = deps.now ?? (() => new Date());
    this.#newId = deps.newId ?? randomUUID;
  }

  /**
   * Places a Pending order. With an idempotency key, a retry of the same request returns the first
   * result (and creates nothing); the same key with a different request is refused.
   */
  async place(
    input: PlaceOrderInput,
    ctx: EventContext & { idempotencyKey?: string },
  ): Promise<{ order: Order; replayed: boolean }> {
    try {
      return await this.#place(input, ctx);
    } catch (err) {
      // Two first requests with one key raced; the loser now finds the winner's result.
      if (ctx.idempotencyKey !== undefined && isUniqueViolation(err)) return this.#place(input, ctx);
      throw err;
    }
  }

  async #place(
    input: PlaceOrderInput,
    ctx: EventContext & { idempotencyKey?: string },
  ): Promise<{ order: Order; replayed: boolean }> {
    const requestHash = createHash('sha256')
      .update(JSON.stringify([input.userId, input.items]))
      .digest('hex');
    return this.#db.transaction(async (tx) => {
      if (ctx.idempotencyKey !== undefined) {
        // Serialize requests carrying the same key; the second one then sees the first's result.
        const seen = await tx.query<{ request_hash: string; response: Order | string }>(
          'SELECT request_hash, response FROM idempotency_keys WHERE key = $1 FOR UPDATE',
          [ctx.idempotencyKey],
        );
        if (seen.rows.length > 0) {
          if (seen.rows[0].request_hash !== requestHash) throw idempotencyKeyReused(ctx.idempotencyKey);
          const response = seen.rows[0].response;
          return {
            order: typeof response === 'string' ? (JSON.parse(response) as Order) : response,
            replayed: true,
          };
        }
      }
      const user = await tx.query<{ status: string }>('SELECT status FROM users_projection WHERE id = $1', [
        input.userId,
      ]);
      if (user.rows.length === 0) throw userNotFound(input.userId);
      if (user.rows[0].status !== 'active') throw userInactive(input.userId);
      let order: Order;
      try {
        order = placeOrder({ id: this.#newId(), userId: input.userId, items: input.items, now: this.#now() });
      } catch (err) {
        if (err instanceof InvalidOrderError) throw invalidOrder(err.message);
        throw err;
      }
      await tx.query(`INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        order.id,
        order.userId,
        JSON.stringify(order.items),
        order.totalCents,
        order.status,
        order.createdAt,
        order.updatedAt,
      ]);
      await outbox.enqueue(tx, orderPlaced(order, ctx));
      if (ctx.idempotencyKey !== undefined) {
        await tx.query(
          'INSERT INTO idempotency_keys (key, request_hash, status_code, response) VALUES ($1, $2, 201, $3)',
          [ctx.idempotencyKey, requestHash, JSON.stringify(order)],
        );
      }
      return { order, replayed: false };
    });
  }

  async get(id: string): Promise<Order> {
    const { rows } = await this.#db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [
      id,
    ]);
    if (rows.length === 0) throw orderNotFound(id);
    return toOrder(rows[0]);
  }

  async list(filter: {
    userId?: string;
    status?: OrderStatus;
    limit: number;
    cursor?: string;
  }): Promise<OrderPage> {
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
    if (filter.cursor !== undefined) {
      const after = decodePageCursor(filter.cursor);
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(filter.limit + 1);
    const { rows } = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toOrder);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > filter.limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  async act(id: string, action: OrderAction, ctx: EventContext, reason?: string): Promise<Order> {
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (rows.length === 0) throw orderNotFound(id);
      return this.#transition(tx, toOrder(rows[0]), ORDER_ACTIONS[action], ctx, reason);
    });
  }

  /** Cancels every open order of a user, inside the caller's transaction; returns how many. */
  async cancelOpenOrdersOf(
    tx: SqlExecutor,
    userId: string,
    ctx: EventContext,
    reason: string,
  ): Promise<number> {
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND status IN ('Pending', 'Confirmed') ORDER BY created_at, id FOR UPDATE`,
      [userId],
    );
    for (const row of rows) await this.#transition(tx, toOrder(row), 'Cancelled', ctx, reason);
    return rows.length;
  }

  async #transition(
    tx: SqlExecutor,
    order: Order,
    to: OrderStatus,
    ctx: EventContext,
    reason?: string,
  ): Promise<Order> {
    let change: ReturnType<typeof changeStatus>;
    try {
      change = changeStatus(order, to, this.#now(), reason);
    } catch (err) {
      if (err instanceof OrderInvalidTransitionError) throw invalidTransition(err.from, err.to);
      throw err;
    }
    await tx.query('UPDATE orders SET status = $2, updated_at = $3, cancel_reason = $4 WHERE id = $1', [
      order.id,
      change.to,
      change.order.updatedAt,
      to === 'Cancelled' ? (reason ?? null) : null,
    ]);
    await outbox.enqueue(tx, orderStatusChanged(change.order, change.from, change.to, ctx, reason));
    return change.order;
  }
}
