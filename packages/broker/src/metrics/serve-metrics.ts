// Starts the broker's metrics: the registry, the observers the dispatcher and the flush scheduler report
// to, and the HTTP listener. broker.ts imports this module only when `metricsPort` is set.
import type { Logger } from 'pino';
import type { LogManager } from '../log/index.ts';
import type { Dispatcher } from '../server/dispatcher.ts';
import { createBrokerMetrics, type MetricsSources } from './broker-metrics.ts';
import { MetricsServer } from './metrics-server.ts';

export interface ServeMetricsOptions extends MetricsSources {
  host: string;
  port: number;
  dispatcher: Dispatcher;
  logs: LogManager;
  logger: Logger;
}

export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const metrics = createBrokerMetrics(options);
  const server = await MetricsServer.listen({
    host: options.host,
    port: options.port,
    scrape: metrics.scrape,
    contentType: metrics.contentType,
    logger: options.logger,
  });
  options.dispatcher.observer = metrics.requests;
  options.logs.flushScheduler.observer = metrics.fsync;
  return server;
}
