// Starts the Order Service: config, database and migrations, outbox relay, users consumer, HTTP.
import { fileURLToPath } from 'node:url';
import { contracts, Topics, UserDeactivatedV1, UserRegisteredV1 } from '@tributary/contracts';
import {
  ConsumerRunner,
  createKafkaTransport,
  createOutboxRelay,
  EventPublisher,
  INBOX_MIGRATIONS,
  OUTBOX_MIGRATIONS,
} from '@tributary/messaging';
import {
  brokerCheck,
  ConfigError,
  circuitBreakerCheck,
  createLogger,
  loadMigrations,
  openServiceDatabase,
  runService,
} from '@tributary/service-kit';
import { CE_SOURCE } from './adapters/messaging/order-events.ts';
import { buildOrderApp } from './app.ts';
import { applyUserEvent, CONSUMER_GROUP } from './application/user-events.ts';
import { readConfig } from './config.ts';

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (err) {
  process.stderr.write(`order-service: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger({ name: 'order-service', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const own = await loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
const db = await openServiceDatabase({
  databaseUrl: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  dataDir: config.DATA_DIR,
  migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, ...own],
  logger,
});

const transport = createKafkaTransport({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'order-service',
  logger,
});
// Retries with backoff and a circuit breaker sit between the relay and the broker.
const publisher = new EventPublisher({ transport, source: CE_SOURCE, logger });
const relay = createOutboxRelay({ db, publisher, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
// Failing user events are retried in place, then through `users.order-service.retry`, then dead-lettered.
const runner = new ConsumerRunner({
  transport,
  group: CONSUMER_GROUP,
  registry: contracts,
  logger,
  publisher,
});
let joined = false;
runner.on('assigned', () => {
  joined = true;
});
const { app, orders } = await buildOrderApp({
  db,
  logger,
  readinessChecks: [
    brokerCheck(transport, Topics.users),
    circuitBreakerCheck(publisher),
    {
      name: 'consumer-group',
      check: async () =>
        joined ? { ok: true } : { ok: false, detail: `not a member of ${CONSUMER_GROUP} yet` },
    },
  ],
});
for (const definition of [UserRegisteredV1, UserDeactivatedV1]) {
  runner.subscribe(definition, (event, ctx) =>
    applyUserEvent(
      { db, orders, logger: ctx.logger },
      {
        id: event.id,
        ceType: event.type,
        payload: event.data,
        correlationId: event.correlationId,
        traceparent: event.traceparent,
      },
    ).then(() => undefined),
  );
}
await relay.start();
await runner.start();
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
    { name: 'leave-group', run: () => runner.stop() },
    { name: 'close-producer', run: () => publisher.close() },
    { name: 'close-transport', run: () => transport.close() },
    { name: 'close-database', run: () => db.close() },
  ],
});
logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service ready');
