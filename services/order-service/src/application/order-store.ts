// The port through which the order use cases reach their storage; `adapters/db` implements it with SQL.
// A change and the event announcing it are written in one transaction (the outbox), so recording the
// event is part of the transaction's interface.
import type { Order, OrderStatus, StatusChange } from '../domain/index.ts';

/** Who caused a change: carried into the events it produces. */
export interface ChangeContext {
  correlationId: string;
  traceparent?: string;
}

export interface PagePosition {
  createdAt: string;
  id: string;
}

export interface OrderFilter {
  userId?: string;
  status?: OrderStatus;
}

export type ProjectedUserStatus = 'active' | 'inactive';

export interface RememberedResult {
  requestHash: string;
  order: Order;
}

/** Another request with the same idempotency key committed first; running again finds its result. */
export class IdempotencyKeyRaceError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_RACE';
  constructor(scope: string, key: string) {
    super(`a concurrent request stored idempotency key ${key} (${scope}) first`);
    this.name = 'IdempotencyKeyRaceError';
  }
}

export interface OrderTransaction {
  /** The unexpired result remembered for (scope, key), locked until the transaction ends. */
  remembered(scope: string, key: string, notBefore: Date): Promise<RememberedResult | undefined>;
  /** Remembers a result, replacing an expired one; throws IdempotencyKeyRaceError when a live one exists. */
  remember(scope: string, key: string, result: RememberedResult, at: Date, notBefore: Date): Promise<void>;
  /** The user as this service knows it from the users topic. */
  userStatus(userId: string): Promise<ProjectedUserStatus | undefined>;
  /** Inserts the order and records OrderPlaced. */
  insert(order: Order, ctx: ChangeContext): Promise<void>;
  getForUpdate(id: string): Promise<Order | undefined>;
  /** The user's Pending and Confirmed orders, oldest first, locked. */
  openOrdersOf(userId: string): Promise<Order[]>;
  /** Stores the new status and records OrderStatusChanged. */
  changeStatus(change: StatusChange, ctx: ChangeContext): Promise<void>;
  /** The user projection: a registered user (again, if redelivered), and a deactivated one. */
  userRegistered(user: { userId: string; email: string; name: string }): Promise<void>;
  userDeactivated(userId: string): Promise<void>;
}

export interface OrderStore {
  transaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T>;
  /** Runs `work` at most once per (consumer group, message id), in one transaction with the inbox row. */
  once<T>(
    group: string,
    messageId: string,
    work: (tx: OrderTransaction) => Promise<T>,
  ): Promise<{ duplicate: false; result: T } | { duplicate: true }>;
  get(id: string): Promise<Order | undefined>;
  /** Up to `limit` orders matching `filter`, oldest first, after `after`. */
  list(filter: OrderFilter, limit: number, after?: PagePosition): Promise<Order[]>;
  /** Deletes remembered idempotent results created before `cutoff`; returns how many. */
  purgeIdempotencyKeys(cutoff: Date): Promise<number>;
  /** Deletes inbox rows processed before `cutoff`; returns how many. */
  purgeInbox(cutoff: Date): Promise<number>;
}
