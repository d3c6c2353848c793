// Starts the Order Service: config, database and migrations, outbox relay, users consumer, HTTP.
import { fileURLToPath } from 'node:url';
import { contracts, Topics } from '@tributary/contracts';
import {
  ConsumerRunner,
  createKafkaTransport,
  createOutboxRelay,
  describeKafkaSecurity,
  EventPublisher,
  INBOX_MIGRATIONS,
  type KafkaSecurity,
  OUTBOX_MIGRATIONS,
} from '@tributary/messaging';
import {
  brokerCheck,
  ConfigError,
  circuitBreakerCheck,
  consumerCheck,
  createLogger,
  type HttpSecurity,
  httpSecurityFromConfig,
  kafkaSecurityFromConfig,
  keepTrying,
  loadMigrations,
  observeMessaging,
  outboxCheck,
  runService,
  startServiceDatabase,
  startTelemetry,
} from '@tributary/service-kit';
import { CE_SOURCE } from './adapters/messaging/order-events.ts';
import { subscribeToUserEvents } from './adapters/messaging/user-event-handlers.ts';
import { buildOrderApp } from './app.ts';
import { CONSUMER_GROUP } from './application/user-events.ts';
import { readConfig } from './config.ts';

let config: ReturnType<typeof readConfig>;
let security: HttpSecurity;
let kafkaSecurity: KafkaSecurity | undefined;
try {
  config = readConfig();
  security = httpSecurityFromConfig(config);
  kafkaSecurity = kafkaSecurityFromConfig(config);
} catch (err) {
  process.stderr.write(`order-service: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger({ name: 'order-service', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
// Before the database and the HTTP app exist: the pg and Fastify instrumentations hook their creation.
const telemetry = await startTelemetry({
  serviceName: config.OTEL_SERVICE_NAME ?? 'order-service',
  disabled: config.OTEL_SDK_DISABLED,
  exportTraces:
    config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
    config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined,
  sampler: { name: config.OTEL_TRACES_SAMPLER, ratio: config.OTEL_TRACES_SAMPLER_ARG },
});
if (security.auth.mode === 'development') {
  logger.warn('AUTH_MODE=development: the HTTP API accepts every request without a token; never expose it');
}
const own = await loadMigrations(fileURLToPath(new URL('../migrations', import.meta.url)));
// The HTTP server starts at once: until the database is reachable and migrated the service answers 503
// (not ready) and keeps trying with backoff.
const db = startServiceDatabase({
  databaseUrl: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  dataDir: config.DATA_DIR,
  pgliteSharedBuffersMB: config.PGLITE_SHARED_BUFFERS_MB,
  migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, ...own],
  logger,
});

const transport = createKafkaTransport({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'order-service',
  replicationFactor: config.KAFKA_REPLICATION_FACTOR,
  security: kafkaSecurity,
  logger,
});
logger.info(`Kafka connection: ${describeKafkaSecurity(kafkaSecurity)}`);
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
  // The users topic is the User Service's to create (its partitions, its replication): the runner waits
  // for it, then creates its retry and dead-letter topics with the same partitions.
  createSourceTopics: false,
  defaultPartitions: config.KAFKA_TOPIC_PARTITIONS,
  replicationFactor: config.KAFKA_REPLICATION_FACTOR,
});
const { app, orders } = await buildOrderApp({
  db,
  logger,
  metrics: telemetry.scrape,
  security,
  idempotencyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 60 * 60 * 1000,
  // Ready = the API can be served and user events are consumed; the broker, the circuit and the outbox's
  // age only degrade the service (writes land in the outbox).
  readinessChecks: [
    consumerCheck(runner, { transport, topic: Topics.users }),
    brokerCheck(transport, Topics.users),
    circuitBreakerCheck(publisher),
    outboxCheck(relay),
  ],
});
subscribeToUserEvents(runner, { orders });
observeMessaging({ relay, runner, publisher });
const starting = new AbortController();
// The topic this service publishes to is created with this service's partitions and replication, in the
// background: a broker that is down only delays it (the outbox holds the events meanwhile).
void keepTrying(
  `creating the ${Topics.orders} topic`,
  () =>
    transport.ensureTopics([
      {
        topic: Topics.orders,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      },
    ]),
  { logger, signal: starting.signal },
);
const running = await runService({
  app,
  port: config.PORT,
  host: config.HOST,
  logger,
  onShutdown: [
    { name: 'stop-starting', run: () => starting.abort() },
    {
      name: 'flush-outbox',
      run: async () => {
        if (!relay.running) return;
        await Promise.race([relay.flushed(), new Promise((r) => setTimeout(r, 5000))]);
        await relay.stop();
      },
    },
    { name: 'leave-group', run: () => runner.stop() },
    { name: 'close-producer', run: () => publisher.close() },
    { name: 'close-transport', run: () => transport.close() },
    { name: 'close-database', run: () => db.close() },
    { name: 'flush-telemetry', run: () => telemetry.shutdown() },
  ],
});
logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service listening');
db.ready.then(
  async () => {
    // The database may drop again before the relay's first query: keep trying rather than exit. The runner
    // waits for the broker on its own (topics created with backoff).
    const options = { logger, signal: starting.signal };
    if (!(await keepTrying('starting the outbox relay', () => relay.start(), options))) return;
    try {
      await runner.start();
    } catch (error) {
      if (starting.signal.aborted) return;
      logger.error({ err: error }, 'the consumer runner cannot start');
      process.exit(await running.shutdown('the consumer runner cannot start'));
    }
    if (starting.signal.aborted) return;
    logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service ready');
  },
  // Only a fault retrying cannot fix gets here (a migration that fails): stop rather than serve 503s.
  async () => process.exit(await running.shutdown('the database cannot be prepared')),
);
