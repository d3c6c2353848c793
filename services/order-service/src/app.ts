// Builds the Order Service's HTTP app (what tests build): routes on top of service-kit's app factory.
import type { Database } from '@tributary/database';
import { type App, createApp, databaseCheck, type Logger, type ReadinessCheck } from '@tributary/service-kit';
import { registerOrderRoutes } from './adapters/http/order-routes.ts';
import { Orders } from './application/orders.ts';

export interface OrderAppOptions {
  db: Database;
  logger: Logger;
  readinessChecks?: readonly ReadinessCheck[];
  now?: () => Date;
}

export async function buildOrderApp(options: OrderAppOptions): Promise<{ app: App; orders: Orders }> {
  const app = await createApp({
    logger: options.logger,
    openapi: {
      title: 'Order Service',
      version: '1.0.0',
      description: 'Orders and their lifecycle; knows users from the users topic.',
    },
    readinessChecks: [databaseCheck(options.db), ...(options.readinessChecks ?? [])],
  });
  const orders = new Orders({ db: options.db, now: options.now });
  registerOrderRoutes(app, orders);
  return { app, orders };
}
