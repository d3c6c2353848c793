// Starts the console: config, the app over the configured cluster, HTTP until a signal.
import { resolve } from 'node:path';
import { describeKafkaSecurity, type KafkaSecurity } from '@tributary/messaging';
import { ConfigError, createLogger, kafkaSecurityFromConfig, runService } from '@tributary/service-kit';
import { buildConsoleApp } from './app.ts';
import { type ConsoleAuth, consoleAuthFromConfig, describeConsoleAuth, readConfig } from './config.ts';
import { readUi, type UiBundle } from './http/ui-bundle.ts';

let config: ReturnType<typeof readConfig>;
let kafkaSecurity: KafkaSecurity | undefined;
let auth: ConsoleAuth;
try {
  config = readConfig();
  kafkaSecurity = kafkaSecurityFromConfig(config);
  auth = consoleAuthFromConfig(config);
} catch (err) {
  process.stderr.write(`console: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
let ui: UiBundle | undefined;
if (config.UI_DIR !== undefined) {
  try {
    ui = await readUi(resolve(config.UI_DIR));
  } catch (err) {
    process.stderr.write(`console: UI_DIR has no UI bundle (${(err as Error).message})\n`);
    process.exit(2);
  }
}
const logger = createLogger({ name: 'console', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
logger.info(`Kafka connection: ${describeKafkaSecurity(kafkaSecurity)}`);
if (auth.token === undefined && auth.verify === undefined) logger.warn(describeConsoleAuth(auth, config));
else logger.info(describeConsoleAuth(auth, config));
const { app } = await buildConsoleApp({
  brokers: config.KAFKA_BROKERS.split(','),
  kafkaSecurity,
  logger,
  token: auth.token,
  verify: auth.verify,
  auditFile: resolve(config.DATA_DIR, 'audit.jsonl'),
  lagSampleIntervalMs: config.LAG_SAMPLE_INTERVAL_MS,
  redriveRatePerSecond: config.REDRIVE_RATE_PER_SECOND,
  redriveMaxPerEvent: config.REDRIVE_MAX_PER_EVENT,
  redriveJobThreshold: config.REDRIVE_JOB_THRESHOLD,
  redriveJobsFile: resolve(config.DATA_DIR, 'redrive-jobs.jsonl'),
  tracesMax: config.TRACES_MAX,
  ui,
});
const running = await runService({ app, port: config.PORT, host: config.HOST, logger });
logger.info({ url: `http://${config.HOST}:${running.port}` }, 'service ready');
