// Builds the console's HTTP app (what tests build): the API over the cluster, the OTLP receiver and the UI.
import { contracts } from '@tributary/contracts';
import type { KafkaSecurity } from '@tributary/messaging';
import { type App, createApp, type JwtVerifier, type Logger } from '@tributary/service-kit';
import { AuditLog } from './audit/audit-log.ts';
import type { ConsoleContext } from './console-context.ts';
import { DeadLetterActions } from './dead-letters/dead-letter-actions.ts';
import { DeadLetterStore } from './dead-letters/dead-letter-store.ts';
import { RedriveJobs } from './dead-letters/redrive-jobs.ts';
import { CONSOLE_PROBLEM_TYPES } from './errors/console-problem-types.ts';
import { GroupLagReader } from './groups/group-lag.ts';
import { LagHistory } from './groups/lag-history.ts';
import { OffsetReset } from './groups/offset-reset.ts';
import { registerAuth } from './http/auth.ts';
import { registerCatalogRoutes } from './http/catalog-routes.ts';
import { registerClusterRoutes } from './http/cluster-routes.ts';
import { registerDeadLetterRoutes } from './http/dead-letter-routes.ts';
import { registerGroupRoutes } from './http/group-routes.ts';
import { registerRedriveJobRoutes } from './http/redrive-job-routes.ts';
import { registerTraceRoutes } from './http/trace-routes.ts';
import { buildUi, type UiBundle } from './http/ui-bundle.ts';
import { registerUiRoutes } from './http/ui-routes.ts';
import { KafkaCluster } from './kafka/kafka-cluster.ts';
import { TopicDirectory } from './kafka/topic-directory.ts';
import { PartitionBrowser } from './messages/partition-browser.ts';
import { TraceStore } from './traces/trace-store.ts';

export interface ConsoleAppOptions {
  brokers: readonly string[];
  /** SASL and TLS to the cluster (plaintext when unset). */
  kafkaSecurity?: KafkaSecurity;
  logger: Logger;
  /** The shared token (CONSOLE_TOKEN); it or `verify` guards /api and /v1 (config.ts requires one beyond loopback). */
  token?: string;
  /** Verifies bearer JWTs (AUTH_MODE=jwt; scopes console:read and console:write). */
  verify?: JwtVerifier;
  /** Audit log file (JSON lines); in memory only when unset. */
  auditFile?: string;
  lagSampleIntervalMs?: number;
  redriveRatePerSecond?: number;
  redriveMaxPerEvent?: number;
  /** Redrives of more dead letters than this run as background jobs (default 20). */
  redriveJobThreshold?: number;
  /** Journal of redrive jobs (JSON lines); jobs are not kept across restarts when unset. */
  redriveJobsFile?: string;
  tracesMax?: number;
  tailPollMs?: number;
  /** A bundle built beforehand (tests share one); built here when unset. */
  ui?: UiBundle;
}

export async function buildConsoleApp(
  options: ConsoleAppOptions,
): Promise<{ app: App; context: ConsoleContext }> {
  const cluster = new KafkaCluster({ brokers: options.brokers, security: options.kafkaSecurity });
  const topics = new TopicDirectory(cluster);
  const groups = new GroupLagReader(cluster);
  const audit = new AuditLog({ file: options.auditFile });
  await audit.load();
  const shutdown = new AbortController();
  const actions = new DeadLetterActions({
    cluster,
    topics,
    contracts,
    ratePerSecond: options.redriveRatePerSecond ?? 50,
    maxRedrives: options.redriveMaxPerEvent ?? 3,
  });
  const redriveJobs = new RedriveJobs({
    cluster,
    topics,
    actions,
    audit,
    logger: options.logger.child({ component: 'redrive-jobs' }),
    file: options.redriveJobsFile,
  });
  const context: ConsoleContext = {
    cluster,
    topics,
    contracts,
    browser: new PartitionBrowser(cluster, topics, contracts),
    groups,
    lagHistory: new LagHistory({
      reader: groups,
      intervalMs: options.lagSampleIntervalMs ?? 5000,
      logger: options.logger.child({ component: 'lag-history' }),
    }),
    offsetReset: new OffsetReset(cluster, groups),
    deadLetters: new DeadLetterStore(cluster, topics, contracts),
    actions,
    redriveJobs,
    redriveJobThreshold: options.redriveJobThreshold ?? 20,
    traces: new TraceStore({ maxTraces: options.tracesMax ?? 2000, maxSpansPerTrace: 1000 }),
    audit,
    tailPollMs: options.tailPollMs ?? 500,
    shutdown: shutdown.signal,
  };
  const app = await createApp({
    logger: options.logger,
    openapi: {
      title: 'Tributary Console',
      version: '1.0.0',
      description:
        'Topics, messages, consumer groups, dead letters, traces and event contracts of a Kafka cluster.',
    },
    problemTypes: CONSOLE_PROBLEM_TYPES,
  });
  registerAuth(app, { token: options.token, verify: options.verify });
  registerClusterRoutes(app, context);
  registerGroupRoutes(app, context);
  registerDeadLetterRoutes(app, context);
  registerRedriveJobRoutes(app, context);
  registerTraceRoutes(app, context);
  registerCatalogRoutes(app);
  registerUiRoutes(app, options.ui ?? (await buildUi()));
  context.lagHistory.start();
  // A job that was running when the console last stopped is settled now (in the background: the cluster
  // may be slow to answer, and the console serves meanwhile).
  const unsettled = await redriveJobs.load();
  const recovered = redriveJobs.settle(unsettled).catch((err: unknown) => {
    options.logger.error({ err }, 'redrive jobs of the last run could not be settled');
  });
  app.addHook('preClose', async () => {
    shutdown.abort();
    context.lagHistory.stop();
    await recovered;
    await redriveJobs.stop();
  });
  app.addHook('onClose', async () => cluster.close());
  return { app, context };
}
