// HTTP server metrics (request duration by route and status, semantic conventions) and the `/metrics`
// route Prometheus scrapes.
import { metrics } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from './start-telemetry.ts';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function registerHttpMetrics(app: FastifyInstance): void {
  // Made when the app is built, after the process registered its SDK.
  const duration = metrics
    .getMeter('@tributary/service-kit')
    .createHistogram('http.server.request.duration', {
      description: 'Duration of HTTP server requests',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  app.addHook('onResponse', async (request, reply) => {
    // The route template, never the path: ids in paths would make a series per resource.
    const route = request.routeOptions.url;
    duration.record(reply.elapsedTime / 1000, {
      'http.request.method': request.method,
      'http.route': route ?? 'unmatched',
      'http.response.status_code': reply.statusCode,
    });
  });
}

export function registerMetricsRoute(app: FastifyInstance, scrape: () => Promise<string>): void {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics of the process (text exposition format 0.0.4)',
        response: { 200: { type: 'string' } },
      },
    },
    async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(await scrape()),
  );
}
