// Order use cases: place (with Idempotency-Key), read, list and change status; every state change records
// its event in the same transaction (through the OrderStore port).
import { createHash, randomUUID } from 'node:crypto';
import { decodePageCursor, encodePageCursor } from '@tributary/service-kit';
import {
  changeStatus,
  ORDER_ACTIONS,
  type Order,
  type OrderAction,
  OrderInvalidTransitionError,
  type OrderItem,
  type OrderStatus,
  placeOrder,
} from '../domain/index.ts';
import { canonicalJson } from './canonical-json.ts';
import {
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  OrderNotFoundError,
  UserInactiveError,
  UserUnknownError,
} from './order-errors.ts';
import {
  type ChangeContext,
  IdempotencyKeyRaceError,
  type OrderStore,
  type OrderTransaction,
} from './order-store.ts';

export interface PlaceOrderInput {
  userId: string;
  items: OrderItem[];
}

export interface OrdersDeps {
  store: OrderStore;
  now?: () => Date;
  newId?: () => string;
  /** How long an Idempotency-Key is remembered, default 24 h. */
  idempotencyTtlMs?: number;
  /** The Retry-After of an unknown user: about how long the users topic takes to arrive, default 1 s. */
  unknownUserRetryAfterSeconds?: number;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** The operation an Idempotency-Key of POST /orders belongs to: a key used elsewhere is another key. */
export const PLACE_ORDER_SCOPE = 'orders.place';

export class Orders {
  readonly #store: OrderStore;
  readonly #now: () => Date;
  readonly #newId: () => string;
  readonly #idempotencyTtlMs: number;
  readonly #retryAfter: number;

  constructor(deps: OrdersDeps) {
    this.#store = deps.store;
    this.#now = deps.now ?? (() => new Date());
    this.#newId = deps.newId ?? randomUUID;
    this.#idempotencyTtlMs = deps.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.#retryAfter = deps.unknownUserRetryAfterSeconds ?? 1;
  }

  /**
   * Places a Pending order. With an idempotency key, a retry of the same request (same user and items,
   * whatever the order of the JSON keys) returns the first result and creates nothing, for as long as the
   * key is remembered; the same key with a different request is refused.
   */
  async place(
    input: PlaceOrderInput,
    ctx: ChangeContext & { idempotencyKey?: string },
  ): Promise<{ order: Order; replayed: boolean }> {
    // User ids are UUIDs: one canonical (lower-case) spelling in responses, events and the database.
    const request = { userId: input.userId.toLowerCase(), items: input.items };
    try {
      return await this.#store.transaction((tx) => this.#place(tx, request, ctx));
    } catch (err) {
      // Two first requests with one key raced; the loser now finds the winner's result.
      if (err instanceof IdempotencyKeyRaceError)
        return this.#store.transaction((tx) => this.#place(tx, request, ctx));
      throw err;
    }
  }

  async #place(
    tx: OrderTransaction,
    input: PlaceOrderInput,
    ctx: ChangeContext & { idempotencyKey?: string },
  ): Promise<{ order: Order; replayed: boolean }> {
    const key = ctx.idempotencyKey;
    const now = this.#now();
    const notBefore = new Date(now.getTime() - this.#idempotencyTtlMs);
    const requestHash = createHash('sha256').update(canonicalJson(input)).digest('hex');
    if (key !== undefined) {
      const seen = await tx.remembered(PLACE_ORDER_SCOPE, key, notBefore);
      if (seen !== undefined) {
        if (seen.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key);
        return { order: seen.order, replayed: true };
      }
    }
    const status = await tx.userStatus(input.userId);
    if (status === undefined) throw new UserUnknownError(input.userId, this.#retryAfter);
    if (status !== 'active') throw new UserInactiveError(input.userId);
    const order = placeOrder({ id: this.#newId(), userId: input.userId, items: input.items, now });
    await tx.insert(order, ctx);
    if (key !== undefined) await tx.remember(PLACE_ORDER_SCOPE, key, { requestHash, order }, now, notBefore);
    return { order, replayed: false };
  }

  async get(id: string): Promise<Order> {
    const order = await this.#store.get(id.toLowerCase());
    if (order === undefined) throw new OrderNotFoundError(id);
    return order;
  }

  async list(filter: {
    userId?: string;
    status?: OrderStatus;
    limit: number;
    cursor?: string;
  }): Promise<OrderPage> {
    const after = filter.cursor === undefined ? undefined : decodePageCursor(filter.cursor);
    const rows = await this.#store.list(
      { userId: filter.userId?.toLowerCase(), status: filter.status },
      filter.limit + 1,
      after,
    );
    const items = rows.slice(0, filter.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > filter.limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  async act(id: string, action: OrderAction, ctx: ChangeContext, reason?: string): Promise<Order> {
    return this.#store.transaction(async (tx) => {
      const order = await tx.getForUpdate(id.toLowerCase());
      if (order === undefined) throw new OrderNotFoundError(id);
      return this.#transition(tx, order, ORDER_ACTIONS[action], ctx, reason);
    });
  }

  /** Cancels every open order of a user, inside the caller's transaction; returns how many. */
  async cancelOpenOrdersOf(
    tx: OrderTransaction,
    userId: string,
    ctx: ChangeContext,
    reason: string,
  ): Promise<number> {
    const open = await tx.openOrdersOf(userId.toLowerCase());
    for (const order of open) await this.#transition(tx, order, 'Cancelled', ctx, reason);
    return open.length;
  }

  /** Applies a UserRegistered event to the user projection, once per event id. */
  async recordUserRegistered(
    group: string,
    eventId: string,
    user: { userId: string; email: string; name: string },
  ): Promise<{ duplicate: boolean }> {
    const result = await this.#store.once(group, eventId, (tx) =>
      tx.userRegistered({ ...user, userId: user.userId.toLowerCase() }),
    );
    return { duplicate: result.duplicate };
  }

  /** Applies a UserDeactivated event, once per event id: the user becomes inactive, open orders cancelled. */
  async recordUserDeactivated(
    group: string,
    eventId: string,
    userId: string,
    ctx: ChangeContext,
  ): Promise<{ duplicate: boolean; cancelledOrders: number }> {
    const result = await this.#store.once(group, eventId, async (tx) => {
      await tx.userDeactivated(userId.toLowerCase());
      return this.cancelOpenOrdersOf(tx, userId, ctx, 'user deactivated');
    });
    return result.duplicate
      ? { duplicate: true, cancelledOrders: 0 }
      : { duplicate: false, cancelledOrders: result.result };
  }

  /** Forgets idempotency keys past their lifetime; returns how many. */
  purgeExpiredIdempotencyKeys(): Promise<number> {
    return this.#store.purgeIdempotencyKeys(new Date(this.#now().getTime() - this.#idempotencyTtlMs));
  }

  async #transition(
    tx: OrderTransaction,
    order: Order,
    to: OrderStatus,
    ctx: ChangeContext,
    reason?: string,
  ): Promise<Order> {
    let change: ReturnType<typeof changeStatus>;
    try {
      change = changeStatus(order, to, this.#now(), to === 'Cancelled' ? reason : undefined);
    } catch (err) {
      if (err instanceof OrderInvalidTransitionError) throw new InvalidTransitionError(err.from, err.to, err);
      throw err;
    }
    await tx.changeStatus(change, ctx);
    return change.order;
  }
}
