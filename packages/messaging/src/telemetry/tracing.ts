// Spans of the messaging library (OpenTelemetry API only: the process that runs it decides whether an SDK
// records them). Names and attributes follow the messaging semantic conventions
// (https://opentelemetry.io/docs/specs/semconv/messaging/kafka/); the W3C trace context travels in the
// `traceparent`/`tracestate` headers of the outbox row and the Kafka record.
import {
  type Context,
  context,
  type Link,
  propagation,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { errorCodeOf } from '../errors.ts';
import { CHAINED_ROOT } from './chained-context.ts';

export const tracer = trace.getTracer('@tributary/messaging');

/** Attribute names used here (semantic conventions; `cloudevents.*` for the envelope). */
export const Attr = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  key: 'messaging.kafka.message.key',
  group: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  eventType: 'cloudevents.event_type',
  correlationId: 'correlation.id',
  errorType: 'error.type',
} as const;

const headerGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/**
 * The trace context a record or outbox row carries (an empty context when it carries none), built on `base`
 * (by default an empty context that is cheap to add to, see chained-context.ts).
 */
export function contextOfHeaders(headers: Record<string, string>, base: Context = CHAINED_ROOT): Context {
  return propagation.extract(base, headers, headerGetter);
}

/** The span context a record or outbox row carries, for links. */
export function spanContextOfHeaders(headers: Record<string, string>): SpanContext | undefined {
  const found = trace.getSpanContext(contextOfHeaders(headers));
  return found !== undefined && trace.isSpanContextValid(found) ? found : undefined;
}

/**
 * `headers` with the trace context of `span` in place of the one they carry. When no SDK records (the span
 * has no valid context) the headers are returned as they are: the envelope's own `traceparent` stays.
 */
export function withSpanHeaders(headers: Record<string, string>, span: Span): Record<string, string> {
  if (!trace.isSpanContextValid(span.spanContext())) return headers;
  const next: Record<string, string> = { ...headers };
  delete next.tracestate;
  propagation.inject(trace.setSpan(CHAINED_ROOT, span), next);
  return next;
}

/** The parent of a new span: the active span when there is one, else the context `headers` carry. */
export function parentContext(headers: Record<string, string>): Context {
  const active = context.active();
  const current = trace.getSpanContext(active);
  return current !== undefined && trace.isSpanContextValid(current)
    ? active
    : contextOfHeaders(headers, active);
}

export interface SendSpanOptions {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  parent: Context;
  links?: Link[];
}

/** A `send <topic>` PRODUCER span. */
export function startSendSpan(options: SendSpanOptions): Span {
  const attributes: Record<string, string> = {
    [Attr.system]: 'kafka',
    [Attr.operationType]: 'send',
    [Attr.operationName]: 'send',
    [Attr.destination]: options.topic,
  };
  if (options.key !== null) attributes[Attr.key] = options.key;
  const id = options.headers.ce_id;
  if (id !== undefined) attributes[Attr.messageId] = id;
  const type = options.headers.ce_type;
  if (type !== undefined) attributes[Attr.eventType] = type;
  const correlation = options.headers['correlation-id'];
  if (correlation !== undefined) attributes[Attr.correlationId] = correlation;
  return tracer.startSpan(
    `send ${options.topic}`,
    { kind: SpanKind.PRODUCER, attributes, links: options.links },
    options.parent,
  );
}

/** Marks a span failed with the error's stable code as `error.type`. */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.setAttribute(Attr.errorType, errorCodeOf(error));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}
