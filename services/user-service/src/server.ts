// Starts the User Service: config, database and migrations, outbox relay to Kafka, HTTP.
import { fileURLToPath } from 'node:url';
import { Topics } from '@tributary/contracts';
import {
  createKafkaTransport,
  createOutboxRelay,
  describeKafkaSecurity,
  EventPublisher,
  type KafkaSecurity,
  OUTBOX_MIGRATIONS,
} from '@tributary/messaging';
import {
  brokerCheck,
  ConfigError,
  circuitBreakerCheck,
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
import { CE_SOURCE } from './adapters/messaging/user-events.ts';
import { buildUserApp } from './app.ts';
import { readConfig } from './config.ts';

let config: ReturnType<typeof readConfig>;
let security: HttpSecurity;
let kafkaSecurity: KafkaSecurity | undefined;
try {
  config = readConfig();
  security = httpSecurityFromConfig(config);
  kafkaSecurity = kafkaSecurityFromConfig(config);
} catch (err) {
  process.stderr.write(`user-service: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
const logger = createLogger({ name: 'user-service', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
// Before the database and the HTTP app exist: the pg and Fastify instrumentations hook their creation.
const telemetry = await startTelemetry({
  serviceName: config.OTEL_SERVICE_NAME ?? 'user-service',
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
  migrations: [...OUTBOX_MIGRATIONS, ...own],
  logger,
});

const transport = createKafkaTransport({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'user-service',
  replicationFactor: config.KAFKA_REPLICATION_FACTOR,
  security: kafkaSecurity,
  logger,
});
logger.info(`Kafka connection: ${describeKafkaSecurity(kafkaSecurity)}`);
// Retries with backoff and a circuit breaker sit between the relay and the broker.
const publisher = new EventPublisher({ transport, source: CE_SOURCE, logger });
const relay = createOutboxRelay({ db, publisher, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
const { app } = await buildUserApp({
  db,
  logger,
  metrics: telemetry.scrape,
  security,
  // The broker, the circuit and the outbox's age degrade the service but never take the API out of
  // rotation: writes land in the outbox.
  readinessChecks: [brokerCheck(transport, Topics.users), circuitBreakerCheck(publisher), outboxCheck(relay)],
});
observeMessaging({ relay, publisher });
const starting = new AbortController();
// The topic this service publishes to is created with this service's partitions and replication, in the
// background: a broker that is down only delays it (the outbox holds the events meanwhile).
void keepTrying(
  `creating the ${Topics.users} topic`,
  () =>
    transport.ensureTopics([
      {
        topic: Topics.users,
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
    { name: 'close-producer', run: () => publisher.close() },
    { name: 'close-transport', run: () => transport.close() },
    { name: 'close-database', run: () => db.close() },
    { name: 'flush-telemetry', run: () => telemetry.shutdown() },
  ],
});
logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service listening');
db.ready.then(
  async () => {
    // The database may drop again before the relay's first query: keep trying rather than exit.
    if (
      !(await keepTrying('starting the outbox relay', () => relay.start(), {
        logger,
        signal: starting.signal,
      }))
    ) {
      return;
    }
    logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service ready');
  },
  // Only a fault retrying cannot fix gets here (a migration that fails): stop rather than serve 503s.
  async () => process.exit(await running.shutdown('the database cannot be prepared')),
);
