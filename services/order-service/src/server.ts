// Starts the Order Service: config, database and migrations, outbox relay, users consumer, HTTP.
import { fileURLToPath } from 'node:url';
import {
  createOutboxRelay,
  createPgliteDatabase,
  createPostgresDatabase,
  INBOX_MIGRATIONS,
  OUTBOX_MIGRATIONS,
  runMigrations,
} from '@tributary/messaging';
import { ConfigError, createLogger, loadMigrations, runService } from '@tributary/service-kit';
import { KafkaOutboxPublisher } from './adapters/messaging/kafka-outbox-publisher.ts';
import { UserEventsConsumer } from './adapters/messaging/user-events-consumer.ts';
import { buildOrderApp } from './app.ts';
import { applyUserEvent } from './application/user-events.ts';
import { readConfig } from './config.ts';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (err) {
  process.stderr.write(`order-service: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger({ name: 'order-service', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const db = config.DATABASE_URL
  ? createPostgresDatabase({ connectionString: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, logger })
  : await createPgliteDatabase({ dataDir: config.DATA_DIR, logger });
const own = await loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
await runMigrations(db, [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, ...own]);

const brokers = config.KAFKA_BROKERS.split(',');
const publisher = new KafkaOutboxPublisher({ clientId: 'order-service', brokers });
const relay = createOutboxRelay({ db, publisher, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
let consumer: UserEventsConsumer | undefined;
const { app, orders } = await buildOrderApp({
  db,
  logger,
  readinessChecks: [
    { name: 'broker', check: () => publisher.check() },
    {
      name: 'consumer-group',
      check: async () =>
        consumer?.isJoined() ? { ok: true } : { ok: false, detail: 'not a member of order-service yet' },
    },
  ],
});
consumer = new UserEventsConsumer({
  brokers,
  logger: logger.child({ component: 'users-consumer' }),
  apply: (event) =>
    applyUserEvent({ db, orders, logger: logger.child({ component: 'users-consumer' }) }, event),
});
await relay.start();
await consumer.start();
const running = await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  logger,
  onShutdown: [
    {
      name: 'flush-outbox',
      run: async () => {
        await Promise.race([relay.flushed(), new Promise((r) => setTimeout(r, 5000))]);
        await relay.stop();
      },
    },
    { name: 'leave-group', run: () => consumer.stop() },
    { name: 'close-producer', run: () => publisher.close() },
    { name: 'close-database', run: () => db.close() },
  ],
});
logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service ready');
