// Builds the Order Service's HTTP app (what tests build): routes on top of service-kit's app factory.
import type { Database } from '@tributary/database';
import {
  type App,
  createApp,
  databaseCheck,
  type HttpSecurity,
  type Logger,
  type ReadinessCheck,
} from '@tributary/service-kit';
import { SqlOrderStore } from './adapters/db/sql-order-store.ts';
import { ORDER_PROBLEM_TYPES } from './adapters/http/order-problem-types.ts';
import { registerOrderRoutes } from './adapters/http/order-routes.ts';
import { Housekeeping } from './application/housekeeping.ts';
import { DEFAULT_IDEMPOTENCY_TTL_MS, Orders } from './application/orders.ts';

export interface OrderAppOptions {
  db: Database;
  logger: Logger;
  readinessChecks?: readonly ReadinessCheck[];
  /** Serves `/metrics` (the process's telemetry scrape). */
  metrics?: () => Promise<string>;
  /** Authentication, rate limit and CORS (httpSecurityFromConfig); default development mode, nothing checked. */
  security?: HttpSecurity;
  now?: () => Date;
  /** How long an Idempotency-Key is remembered, default 24 h. */
  idempotencyTtlMs?: number;
  /** How long inbox rows are kept (longer than any redelivery can take), default 7 days. */
  inboxRetentionMs?: number;
  /** How often expired keys and old inbox rows are purged, default hourly. */
  housekeepingIntervalMs?: number;
}

const DEFAULT_INBOX_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export async function buildOrderApp(options: OrderAppOptions): Promise<{ app: App; orders: Orders }> {
  const app = await createApp({
    logger: options.logger,
    openapi: {
      title: 'Order Service',
      version: '1.0.0',
      description: 'Orders and their lifecycle; knows users from the users topic.',
    },
    readinessChecks: [databaseCheck(options.db), ...(options.readinessChecks ?? [])],
    metrics: options.metrics,
    auth: options.security?.auth,
    protection: options.security?.protection,
    problemTypes: ORDER_PROBLEM_TYPES,
  });
  const store = new SqlOrderStore(options.db);
  const now = options.now ?? (() => new Date());
  const orders = new Orders({
    store,
    now,
    idempotencyTtlMs: options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS,
  });
  registerOrderRoutes(app, orders);
  const inboxRetentionMs = options.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS;
  const housekeeping = new Housekeeping({
    logger: options.logger,
    intervalMs: options.housekeepingIntervalMs ?? 60 * 60 * 1000,
    tasks: [
      { name: 'expired idempotency keys', run: () => orders.purgeExpiredIdempotencyKeys() },
      { name: 'old inbox rows', run: () => store.purgeInbox(new Date(now().getTime() - inboxRetentionMs)) },
    ],
  });
  app.addHook('onReady', async () => housekeeping.start());
  app.addHook('onClose', () => housekeeping.stop());
  return { app, orders };
}
