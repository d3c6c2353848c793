// User use cases: register, read, list and deactivate; every change records its event in the same
// transaction (through the UserStore port).
import { randomUUID } from 'node:crypto';
import { decodePageCursor, encodePageCursor } from '@tributary/service-kit';
import { deactivateUser, registerUser, type User } from '../domain/user.ts';
import { EmailTakenError, UserNotFoundError } from './user-errors.ts';
import type { ChangeContext, UserStore } from './user-store.ts';

export class Users {
  readonly #store: UserStore;
  readonly #now: () => Date;
  readonly #newId: () => string;

  constructor(deps: { store: UserStore; now?: () => Date; newId?: () => string }) {
    this.#store = deps.store;
    this.#now = deps.now ?? (() => new Date());
    this.#newId = deps.newId ?? randomUUID;
  }

  /** Throws InvalidUserError (domain) for a bad email or name, EmailTakenError for a known email. */
  async register(input: { email: string; name: string }, ctx: ChangeContext): Promise<User> {
    const user = registerUser({ id: this.#newId(), email: input.email, name: input.name, now: this.#now() });
    const outcome = await this.#store.register(user, ctx);
    if (outcome === 'email-taken') throw new EmailTakenError(user.email);
    return user;
  }

  async get(id: string): Promise<User> {
    const user = await this.#store.get(id.toLowerCase());
    if (user === undefined) throw new UserNotFoundError(id);
    return user;
  }

  async list(page: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: User[]; nextCursor: string | null }> {
    const after = page.cursor === undefined ? undefined : decodePageCursor(page.cursor);
    const rows = await this.#store.list(page.limit + 1, after);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > page.limit && last ? encodePageCursor(last.createdAt, last.id) : null,
    };
  }

  /** Deactivates the user; a second call returns the user unchanged and emits nothing. */
  async deactivate(id: string, ctx: ChangeContext): Promise<User> {
    return this.#store.transaction(async (tx) => {
      const current = await tx.getForUpdate(id.toLowerCase());
      if (current === undefined) throw new UserNotFoundError(id);
      const { user, changed } = deactivateUser(current);
      if (changed) await tx.deactivate(user, this.#now(), ctx);
      return user;
    });
  }
}
