// The OpenTelemetry SDK of a service process: traces (HTTP through @fastify/otel, PostgreSQL through the pg
// instrumentation, the messaging and database libraries' own spans) exported with OTLP/HTTP JSON when an OTLP
// endpoint is configured, and metrics read by Prometheus from `/metrics`. OTEL_SDK_DISABLED turns it all off;
// the sampler follows OTEL_TRACES_SAMPLER(_ARG) (read by the service's config).
//
// Built from the SDK's parts rather than @opentelemetry/sdk-node, which loads every exporter it can be
// configured with (gRPC, protobuf, Zipkin, logs) and cost about a fifth of a second of CPU per start; the
// OTLP exporter is loaded only when an endpoint is configured. The parts are loaded by startTelemetry, not
// when this module is: importing the service kit (the console, tests, a process with OTEL_SDK_DISABLED) does
// not pay for loading them.
import { type Context, context, metrics, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { CHAINED_ROOT } from '@tributary/messaging';
import type { TracesSamplerName } from '../config/service-config.ts';
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
  /** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; default `parentbased_always_on`. */
  sampler?: { name?: TracesSamplerName; ratio?: number };
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

const prometheusName = (instrument: string) =>
  SECONDS_INSTRUMENTS.includes(instrument) ? `${instrument}_seconds` : instrument;

/** Probes and scrapes make no traces. */
const untracedRoutes = /^\/(health|metrics)(\/|$)/;

/** Starts the SDK; call before the app, database and messaging clients are built. */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (options.disabled === true) return disabledTelemetry;
  const exportTraces = options.exportTraces === true;
  // Whether anything can read a recorded span (see context-only-tracer.ts for what happens when nothing can).
  const recordSpans = exportTraces || (options.spanProcessors?.length ?? 0) > 0;
  const [
    { FastifyOtelInstrumentation },
    { PrometheusExporter, PrometheusSerializer },
    pgInstrumentation,
    { registerInstrumentations },
    { AsyncLocalStorageContextManager },
    { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator },
    resources,
    { MeterProvider },
    sdkTrace,
    { tracesSampler },
    { contextOnlyTracerProvider },
    { talliedHistogramsProducer },
    otlp,
  ] = await Promise.all([
    import('@fastify/otel'),
    import('@opentelemetry/exporter-prometheus'),
    recordSpans ? import('@opentelemetry/instrumentation-pg') : undefined,
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/sdk-trace'),
    import('./traces-sampler.ts'),
    import('./context-only-tracer.ts'),
    import('./tallied-histograms-producer.ts'),
    exportTraces ? import('@opentelemetry/exporter-trace-otlp-http') : undefined,
  ]);
  const { BatchSpanProcessor, TracerProvider } = sdkTrace;
  const instrumentations = [
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // One span per request. A span per lifecycle hook and one for the handler (the default) cost a
      // span for every hook of every plugin on every request, and the request span already has the time.
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: ({ url }) => untracedRoutes.test(url),
      requestHook: (span, request) => {
        if (!span.isRecording()) return;
        const route = request.routeOptions.url;
        span.updateName(route === undefined ? request.method : `${request.method} ${route}`);
        // What the console finds a request's trace by.
        span.setAttribute('correlation.id', correlationIdOf(request.raw));
      },
    }),
    // Statements outside a traced operation (relay polling, migrations) make no traces of their own. Loaded
    // only when spans are recorded: what it adds is statement spans and a per-statement duration histogram
    // (pool gauges are the database package's own), and without a reader of spans its wrapping of every
    // query cost about 4 % of a POST /users request's CPU on PostgreSQL.
    ...(pgInstrumentation === undefined
      ? []
      : [new pgInstrumentation.PgInstrumentation({ requireParentSpan: true })]),
  ];
  // Outside any scope the active context is the chained empty context instead of the API's ROOT_CONTEXT, so
  // the contexts every request and record builds on it (extracted parent, span, baggage) are the cheap kind.
  class ChainedRootContextManager extends AsyncLocalStorageContextManager {
    override active(): Context {
      const active = super.active();
      return active === ROOT_CONTEXT ? CHAINED_ROOT : active;
    }
  }
  const contextManager = new ChainedRootContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  // The resource the Node SDK would describe: its defaults, the process, host and OS, OTEL_RESOURCE_ATTRIBUTES.
  const { defaultResource, detectResources, resourceFromAttributes } = resources;
  const resource = defaultResource()
    .merge(
      detectResources({
        detectors: [
          resources.serviceInstanceIdDetector,
          resources.processDetector,
          resources.hostDetector,
          resources.osDetector,
          resources.envDetector,
        ],
      }),
    )
    .merge(resourceFromAttributes({ 'service.name': options.serviceName }));

  const reader = new PrometheusExporter({
    preventServerStart: true,
    // Histograms the messaging library counts in process, next to the SDK's own instruments.
    metricProducers: [talliedHistogramsProducer(prometheusName)],
  });
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  const meterProvider = new MeterProvider({
    resource,
    views: SECONDS_INSTRUMENTS.map((name) => ({ instrumentName: name, name: prometheusName(name) })),
    readers: [reader],
  });
  metrics.setGlobalMeterProvider(meterProvider);

  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (otlp !== undefined) processors.push(new BatchSpanProcessor({ exporter: new otlp.OTLPTraceExporter() }));
  const sampler = tracesSampler(options.sampler?.name, options.sampler?.ratio);
  // With no processor nothing could ever read a recorded span: spans are then trace contexts only (see
  // context-only-tracer.ts), so logs, published events and downstream services still see the trace ids and
  // the sampling decision, without the SDK's per-span work.
  const sdkTracerProvider =
    processors.length === 0
      ? undefined
      : new TracerProvider({ sampler, resource, spanProcessors: processors });
  const tracerProvider =
    sdkTracerProvider ??
    contextOnlyTracerProvider(
      sampler,
      (options.sampler?.name ?? 'parentbased_always_on').startsWith('parentbased_'),
    );
  trace.setGlobalTracerProvider(tracerProvider);
  // Handed the providers themselves: the instrumentations load the API as CommonJS, a second instance of it,
  // and a tracer they took from its global proxy before the registration above would never record.
  registerInstrumentations({ instrumentations, tracerProvider, meterProvider });
  const sdk = {
    shutdown: () => Promise.all([sdkTracerProvider?.shutdown(), meterProvider.shutdown()]),
  };
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
