// Every documented route of the User Service, sent generated input, answers without a 5xx, and every
// refusal is problem+json (see route-fuzz.ts), on PGlite and PostgreSQL.
import { pino } from 'pino';
import { describeRouteFuzz } from '../../../../packages/service-kit/test/support/route-fuzz.ts';
import { buildUserApp } from '../../src/app.ts';
import { openTestDatabase } from '../support/db-fixture.ts';

describeRouteFuzz(
  'user',
  async (kind) => {
    const { db, drop } = await openTestDatabase(kind);
    return { app: (await buildUserApp({ db, logger: pino({ level: 'silent' }) })).app, drop };
  },
  ['email', 'name', 'status', 'id'],
);
