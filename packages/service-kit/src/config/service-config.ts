// The environment variables every service reads; a service adds its own on top.
import { type Static, Type } from 'typebox';
import { HTTP_SECURITY_CONFIG } from '../security/http-security-config.ts';
import { KAFKA_SECURITY_CONFIG } from '../security/kafka-security-config.ts';

/** LOG_LEVEL and LOG_PRETTY, the logging settings of every process built on the kit. */
export function loggingSettings() {
  return {
    LOG_LEVEL: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
      ],
      { default: 'info' },
    ),
    LOG_PRETTY: Type.Boolean({ default: false }),
  };
}

/** OTEL_TRACES_SAMPLER's values (the OpenTelemetry SDK's names). */
export const TracesSamplerName = Type.Union([
  Type.Literal('always_on'),
  Type.Literal('always_off'),
  Type.Literal('traceidratio'),
  Type.Literal('parentbased_always_on'),
  Type.Literal('parentbased_always_off'),
  Type.Literal('parentbased_traceidratio'),
]);
export type TracesSamplerName = Static<typeof TracesSamplerName>;

export function serviceConfigSchema(defaults: { port: number; dataDir: string; schema: string }) {
  return Type.Object({
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaults.port }),
    HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
    DATA_DIR: Type.String({ minLength: 1, default: defaults.dataDir }),
    /** PGlite's buffer pool (PostgreSQL's shared_buffers); unset takes the database package's default. */
    PGLITE_SHARED_BUFFERS_MB: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    DATABASE_SCHEMA: Type.String({ pattern: '^[a-z_][a-z0-9_]*$', default: defaults.schema }),
    KAFKA_BROKERS: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'localhost:9092' }),
    /** Partitions of the topics this service creates (its own events; retry and dead-letter follow the source). */
    KAFKA_TOPIC_PARTITIONS: Type.Integer({ minimum: 1, maximum: 10_000, default: 3 }),
    /** Replicas of those topics; -1 takes the cluster's default (KIP-464), so losing one broker is survivable. */
    KAFKA_REPLICATION_FACTOR: Type.Integer({ minimum: -1, maximum: 32, not: Type.Literal(0), default: -1 }),
    ...loggingSettings(),
    OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
    // OpenTelemetry's standard variables (the OTLP exporter reads its own; they are checked here so a typo
    // stops the start like any other bad setting; the sampler's are handed to startTelemetry).
    OTEL_SDK_DISABLED: Type.Boolean({ default: false }),
    OTEL_SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
    OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
    OTEL_TRACES_SAMPLER: Type.Optional(TracesSamplerName),
    OTEL_TRACES_SAMPLER_ARG: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    // The services propagate W3C trace context and baggage, always: other propagators (b3, jaeger, xray)
    // are refused rather than silently ignored.
    OTEL_PROPAGATORS: Type.Optional(
      Type.String({
        pattern: '^\\s*(tracecontext|baggage)\\s*(,\\s*(tracecontext|baggage)\\s*)*$',
        description: 'tracecontext and/or baggage, the W3C propagators; others are not supported',
      }),
    ),
    ...HTTP_SECURITY_CONFIG,
    ...KAFKA_SECURITY_CONFIG,
  });
}
