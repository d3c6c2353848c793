// Builds the User Service's HTTP app (what tests build): routes on top of service-kit's app factory.
import type { Database } from '@tributary/database';
import {
  type App,
  createApp,
  databaseCheck,
  type HttpSecurity,
  type Logger,
  type ReadinessCheck,
} from '@tributary/service-kit';
import { SqlUserStore } from './adapters/db/sql-user-store.ts';
import { USER_PROBLEM_TYPES } from './adapters/http/user-problem-types.ts';
import { registerUserRoutes } from './adapters/http/user-routes.ts';
import { Users } from './application/users.ts';

export interface UserAppOptions {
  db: Database;
  logger: Logger;
  readinessChecks?: readonly ReadinessCheck[];
  /** Serves `/metrics` (the process's telemetry scrape). */
  metrics?: () => Promise<string>;
  /** Authentication, rate limit and CORS (httpSecurityFromConfig); default development mode, nothing checked. */
  security?: HttpSecurity;
  now?: () => Date;
}

export async function buildUserApp(options: UserAppOptions): Promise<{ app: App; users: Users }> {
  const app = await createApp({
    logger: options.logger,
    openapi: {
      title: 'User Service',
      version: '1.0.0',
      description: 'Users of the platform and their events.',
    },
    readinessChecks: [databaseCheck(options.db), ...(options.readinessChecks ?? [])],
    metrics: options.metrics,
    auth: options.security?.auth,
    protection: options.security?.protection,
    problemTypes: USER_PROBLEM_TYPES,
  });
  const users = new Users({ store: new SqlUserStore(options.db), now: options.now });
  registerUserRoutes(app, users);
  return { app, users };
}
