// Every documented route of the Order Service, sent generated input, answers without a 5xx, and every
// refusal is problem+json (see route-fuzz.ts), on PGlite and PostgreSQL.
import { pino } from 'pino';
import { describeRouteFuzz } from '../../../../packages/service-kit/test/support/route-fuzz.ts';
import { buildOrderApp } from '../../src/app.ts';
import { openTestDatabase } from '../support/db-fixture.ts';

describeRouteFuzz(
  'order',
  async (kind) => {
    const { db, drop } = await openTestDatabase(kind);
    return { app: (await buildOrderApp({ db, logger: pino({ level: 'silent' }) })).app, drop };
  },
  ['userId', 'items', 'sku', 'quantity', 'unitPrice', 'currency', 'reason', 'status'],
);
