// The OpenTelemetry Node SDK of a service process: traces (HTTP through @fastify/otel, PostgreSQL through
// the pg instrumentation, the messaging and database libraries' own spans) exported with OTLP/HTTP JSON when
// an OTLP endpoint is configured, and metrics read by Prometheus from `/metrics`. OTEL_SDK_DISABLED turns it
// all off; the sampler follows OTEL_TRACES_SAMPLER(_ARG), which the SDK reads itself.
//
// The SDK is loaded by startTelemetry, not when this module is: importing the service kit (the console, tests,
// a process with OTEL_SDK_DISABLED) does not pay for loading it.
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { correlationIdOf } from '../http/request-context.ts';

export interface TelemetryOptions {
  /** `service.name` of every span and metric. */
  serviceName: string;
  /** OTEL_SDK_DISABLED: no SDK at all (the libraries' API calls are no-ops). */
  disabled?: boolean;
  /** Whether an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT). */
  exportTraces?: boolean;
  /** Where spans go instead of (tests: an in-memory exporter) or besides OTLP. */
  spanProcessors?: readonly SpanProcessor[];
}

export interface Telemetry {
  readonly enabled: boolean;
  /** The Prometheus text exposition of every metric of the process. */
  scrape(): Promise<string>;
  /** Flushes spans still buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const disabledTelemetry: Telemetry = {
  enabled: false,
  scrape: async () => '# telemetry is disabled (OTEL_SDK_DISABLED)\n',
  shutdown: async () => {},
};

/**
 * Instruments measured in seconds. Prometheus names carry their unit (`_seconds`) and this exporter does not
 * add it, so their metric streams are renamed (only the Prometheus exposition reads them).
 */
const SECONDS_INSTRUMENTS = [
  'http.server.request.duration',
  'messaging.client.operation.duration',
  'messaging.process.duration',
  'tributary.outbox.oldest_age',
  'db.client.operation.duration',
];

/** Probes and scrapes make no traces. */
const untracedRoutes = /^\/(health|metrics)(\/|$)/;

/** Starts the SDK; call before the app, database and messaging clients are built. */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (options.disabled === true) return disabledTelemetry;
  const [
    { FastifyOtelInstrumentation },
    { PrometheusExporter, PrometheusSerializer },
    { OTLPTraceExporter },
    { PgInstrumentation },
    { NodeSDK },
    { BatchSpanProcessor, NoopSpanProcessor },
  ] = await Promise.all([
    import('@fastify/otel'),
    import('@opentelemetry/exporter-prometheus'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
  ]);
  const reader = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.exportTraces === true)
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  // Without an exporter spans are still made, so logs and published events carry real trace ids.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    metricReaders: [reader],
    views: SECONDS_INSTRUMENTS.map((name) => ({ instrumentName: name, name: `${name}_seconds` })),
    spanProcessors: processors,
    // Logs go to stdout as JSON lines (with trace ids); no OTLP log export.
    logRecordProcessors: [],
    instrumentations: [
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // One span per request. A span per lifecycle hook and one for the handler (the default) cost a
        // span for every hook of every plugin on every request, and the request span already has the time.
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: ({ url }) => untracedRoutes.test(url),
        requestHook: (span, request) => {
          const route = request.routeOptions.url;
          span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
          // What the console finds a request's trace by.
          span.setAttribute('correlation.id', correlationIdOf(request.raw));
        },
      }),
      // Statements outside a traced operation (relay polling, migrations) make no traces of their own.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return {
    enabled: true,
    async scrape() {
      const { resourceMetrics, errors } = await reader.collect();
      const text = serializer.serialize(resourceMetrics);
      return errors.length === 0
        ? text
        : `${text}# ${errors.length} metric callback(s) failed: ${errors.map((e) => String(e).replace(/\s+/g, ' ')).join('; ')}\n`;
    },
    // Spans still buffered are sent once more; a collector that is gone (it may stop first) or slow must
    // not turn a clean stop into a failed one, so this never rejects and gives up after 2 s.
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        sdk.shutdown().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2_000);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
