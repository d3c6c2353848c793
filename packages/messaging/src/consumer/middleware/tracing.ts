// The outermost middleware: one `process <topic>` CONSUMER span per delivery, child of the span that sent
// the record (its `traceparent`), so a handler's database work and the events it publishes, and the moves
// to the retry and dead-letter topics, stay in the trace of the request that started the flow. It also
// counts consumed messages and measures their processing.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { errorCodeOf } from '../../errors.ts';
import { instruments } from '../../telemetry/instruments.ts';
import { Attr, contextOfHeaders, failSpan, tracer } from '../../telemetry/tracing.ts';
import type { Middleware } from '../message-pipeline.ts';

export function tracingMiddleware(): Middleware {
  return (next) => async (message) => {
    const { record } = message;
    const attributes: Record<string, string | number> = {
      [Attr.system]: 'kafka',
      [Attr.operationType]: 'process',
      [Attr.operationName]: 'process',
      [Attr.destination]: record.topic,
      [Attr.partition]: String(record.partition),
      [Attr.offset]: Number(record.offset),
      [Attr.group]: message.group,
    };
    if (record.key !== null) attributes[Attr.key] = record.key;
    const id = record.headers.ce_id;
    if (id !== undefined) attributes[Attr.messageId] = id;
    const type = record.headers.ce_type;
    if (type !== undefined) attributes[Attr.eventType] = type;
    const correlation = record.headers['correlation-id'];
    if (correlation !== undefined) attributes[Attr.correlationId] = correlation;
    const span = tracer.startSpan(
      `process ${record.topic}`,
      { kind: SpanKind.CONSUMER, attributes },
      contextOfHeaders(record.headers),
    );
    const started = performance.now();
    const metricAttributes: Record<string, string> = {
      [Attr.system]: 'kafka',
      [Attr.destination]: record.topic,
      [Attr.group]: message.group,
    };
    try {
      await context.with(trace.setSpan(context.active(), span), () => next(message));
      const outcome = message.outcome ?? 'handled';
      metricAttributes['tributary.outcome'] = outcome;
      if (outcome === 'retry-scheduled' || outcome === 'dead-lettered') {
        failSpan(span, message.error);
        metricAttributes[Attr.errorType] = errorCodeOf(message.error);
      }
      if (span.isRecording()) span.setAttribute('tributary.outcome', outcome);
    } catch (error) {
      failSpan(span, error);
      metricAttributes[Attr.errorType] = errorCodeOf(error);
      throw error;
    } finally {
      span.end();
      const meters = instruments();
      meters.processDuration.record((performance.now() - started) / 1000, metricAttributes);
      meters.consumed.add(1, metricAttributes);
    }
  };
}
