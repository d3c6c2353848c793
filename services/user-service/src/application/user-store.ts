// The port through which the user use cases reach their storage; `adapters/db` implements it with SQL.
// A change and the event that announces it are written in one transaction (the outbox), so the port
// offers the events as part of the transaction.
import type { User, UserStatus } from '../domain/user.ts';

/** Who caused a change: carried into the events it produces. */
export interface ChangeContext {
  correlationId: string;
  traceparent?: string;
}

/** Where a page of users starts: after the (createdAt, id) of the previous page's last user. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

export interface UserTransaction {
  /** The user, locked until the transaction ends. */
  getForUpdate(id: string): Promise<User | undefined>;
  /** Stores the new status and records UserDeactivated. */
  deactivate(user: User, at: Date, ctx: ChangeContext): Promise<void>;
}

export interface UserStore {
  /** Inserts the user and records UserRegistered; `email-taken` when another user has the email. */
  register(user: User, ctx: ChangeContext): Promise<'registered' | 'email-taken'>;
  transaction<T>(work: (tx: UserTransaction) => Promise<T>): Promise<T>;
  get(id: string): Promise<User | undefined>;
  /** Up to `limit` users, oldest first, after `after`. */
  list(limit: number, after?: PagePosition): Promise<User[]>;
}

export type { UserStatus };
