// One dedicated PostgreSQL connection that carries every LISTEN of a database, reconnecting after errors.
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import pg from 'pg';
import type { Logger } from 'pino';
import { DatabaseError, toDatabaseError } from './database-error.ts';
import { errorSummary, rootCauseOf } from './root-cause.ts';

/** Reconnect delays: exponential with decorrelated jitter, so many listeners do not reconnect in step. */
const reconnectBackoff = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 });

type Callback = (payload: string) => void;

export class PostgresListener {
  readonly #config: pg.ClientConfig;
  readonly #logger: Logger;
  readonly #channels = new Map<string, Set<Callback>>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #backoff: IBackoff<unknown> | undefined;
  #closed = false;

  constructor(config: pg.ClientConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  async subscribe(channel: string, onNotify: Callback): Promise<() => Promise<void>> {
    if (this.#closed) throw new DatabaseError('DB_CLOSED', 'database is closed');
    let callbacks = this.#channels.get(channel);
    if (callbacks === undefined) {
      callbacks = new Set();
      this.#channels.set(channel, callbacks);
    }
    // A distinct wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const callback: Callback = (payload) => onNotify(payload);
    callbacks.add(callback);
    try {
      const client = await this.#connect();
      // LISTEN is idempotent: repeating it for a channel a (re)connect already covered does no harm.
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      this.#remove(channel, callback);
      throw toDatabaseError(error, `cannot LISTEN on ${channel}`);
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      if (this.#remove(channel, callback) && this.#client !== undefined) {
        await this.#client.query(`UNLISTEN ${channel}`).catch((error: unknown) => {
          this.#logger.debug({ err: error, channel }, 'UNLISTEN failed; the connection is gone anyway');
        });
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#channels.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Removes one callback; true when its channel has no listener left. */
  #remove(channel: string, callback: Callback): boolean {
    const callbacks = this.#channels.get(channel);
    if (callbacks === undefined) return false;
    callbacks.delete(callback);
    if (callbacks.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  #connect(): Promise<pg.Client> {
    if (this.#client !== undefined) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client(this.#config);
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      if (this.#closed) return;
      client.end().catch(() => undefined);
      this.#scheduleReconnect(error, 'listening connection lost');
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      const callbacks = this.#channels.get(message.channel);
      if (callbacks === undefined) return;
      for (const callback of callbacks) {
        try {
          callback(message.payload ?? '');
        } catch (error) {
          this.#logger.error(
            { error: errorSummary(error), channel: message.channel },
            `${rootCauseOf(error)}: notification callback threw`,
          );
        }
      }
    });
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new DatabaseError('DB_CLOSED', 'database is closed');
    }
    this.#client = client;
    return client;
  }

  #scheduleReconnect(error: unknown, what: string): void {
    if (this.#closed || this.#reconnectTimer !== undefined || this.#channels.size === 0) return;
    this.#backoff = (this.#backoff ?? reconnectBackoff).next(undefined);
    const delayMs = Math.round(this.#backoff.duration);
    this.#logger.warn(
      { error: errorSummary(error), retryInMs: delayMs },
      `${error === undefined ? 'connection closed' : rootCauseOf(error)}: ${what}; reconnecting in ${delayMs} ms`,
    );
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closed || this.#channels.size === 0) return;
      this.#connect().then(
        () => {
          this.#backoff = undefined;
          this.#logger.info({ channels: [...this.#channels.keys()] }, 'listening again');
        },
        (reconnectError: unknown) =>
          this.#scheduleReconnect(reconnectError, 'reconnecting the listener failed'),
      );
    }, delayMs);
    this.#reconnectTimer.unref();
  }
}
