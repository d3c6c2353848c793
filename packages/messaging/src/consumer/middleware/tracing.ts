// The outermost middleware: one `process <topic>` CONSUMER span per delivery, child of the span that sent
// the record (its `traceparent`), so a handler's database work and the events it publishes, and the moves
// to the retry and dead-letter topics, stay in the trace of the request that started the flow. It also
// counts consumed messages and measures their processing.
//
// This runs for every record, and with a handler that does little the SDK's work here is most of the cost
// of a message, so what does not change between records is made once: span names, the span's first
// attributes and, per (group, topic, outcome, error.type), the metric attributes, the consumed count and the
// processing-duration series (both counted in process). The span gets at its start only the attributes the
// messaging conventions call relevant to sampling; the others are added when it records (the SDK validates
// attributes given at the start twice, and an unsampled or context-only span needs none).
import { type Attributes, context, SpanKind, trace } from '@opentelemetry/api';
import { errorCodeOf } from '../../errors.ts';
import { instruments, type MessagingInstruments } from '../../telemetry/instruments.ts';
import type { TallySeries } from '../../telemetry/tallied-counter.ts';
import type { HistogramSeries } from '../../telemetry/tallied-histogram.ts';
import { Attr, contextOfHeaders, failSpan, tracer } from '../../telemetry/tracing.ts';
import type { InboundMessage, MessageOutcome, Middleware } from '../message-pipeline.ts';

/** The consumed count and processing durations of one (group, topic, outcome, error.type). */
interface OutcomeSeries {
  readonly consumed: TallySeries;
  readonly duration: HistogramSeries;
}

/** What every record of one topic read by one group shares. */
interface TopicTelemetry {
  readonly spanName: string;
  /** The span's attributes known before processing that samplers may use (the SDK copies them). */
  readonly startAttributes: Attributes;
  readonly outcomes: Map<string, OutcomeSeries>;
}

export function tracingMiddleware(): Middleware {
  let meters: MessagingInstruments | undefined;
  /** By group, then topic; made again when the meter provider changes. */
  let topics = new Map<string, Map<string, TopicTelemetry>>();

  const topicTelemetry = (group: string, topic: string): TopicTelemetry => {
    const current = instruments();
    if (current !== meters) {
      meters = current;
      topics = new Map();
    }
    let ofGroup = topics.get(group);
    if (ofGroup === undefined) {
      ofGroup = new Map();
      topics.set(group, ofGroup);
    }
    let found = ofGroup.get(topic);
    if (found === undefined) {
      const startAttributes: Attributes = Object.freeze({
        [Attr.system]: 'kafka',
        [Attr.operationType]: 'process',
        [Attr.operationName]: 'process',
        [Attr.destination]: topic,
        [Attr.group]: group,
      });
      found = { spanName: `process ${topic}`, startAttributes, outcomes: new Map() };
      ofGroup.set(topic, found);
    }
    return found;
  };

  const outcomeSeries = (
    telemetry: TopicTelemetry,
    message: InboundMessage,
    outcome: MessageOutcome | undefined,
    errorType: string | undefined,
  ): OutcomeSeries => {
    const key = errorType === undefined ? (outcome ?? '') : `${outcome ?? ''} ${errorType}`;
    let found = telemetry.outcomes.get(key);
    if (found === undefined) {
      const attributes: Attributes = {
        [Attr.system]: 'kafka',
        [Attr.destination]: message.record.topic,
        [Attr.group]: message.group,
      };
      // A record whose processing threw has no outcome, only its error.
      if (outcome !== undefined) attributes['tributary.outcome'] = outcome;
      if (errorType !== undefined) attributes[Attr.errorType] = errorType;
      Object.freeze(attributes);
      const seriesKey = `${message.group}\n${message.record.topic}\n${key}`;
      found = {
        consumed: meters!.consumed.series(seriesKey, () => attributes),
        duration: meters!.processDuration.series(seriesKey, () => attributes),
      };
      telemetry.outcomes.set(key, found);
    }
    return found;
  };

  return (next) => async (message) => {
    const { record } = message;
    const telemetry = topicTelemetry(message.group, record.topic);
    // The record's own context (its trace, its baggage) is what the handler runs in, with this span added.
    const parent = contextOfHeaders(record.headers);
    const span = tracer.startSpan(
      telemetry.spanName,
      { kind: SpanKind.CONSUMER, attributes: telemetry.startAttributes },
      parent,
    );
    if (span.isRecording()) {
      span.setAttribute(Attr.partition, String(record.partition));
      span.setAttribute(Attr.offset, Number(record.offset));
      if (record.key !== null) span.setAttribute(Attr.key, record.key);
      const { headers } = record;
      if (headers.ce_id !== undefined) span.setAttribute(Attr.messageId, headers.ce_id);
      if (headers.ce_type !== undefined) span.setAttribute(Attr.eventType, headers.ce_type);
      const correlation = headers['correlation-id'];
      if (correlation !== undefined) span.setAttribute(Attr.correlationId, correlation);
    }
    const started = performance.now();
    let outcome: MessageOutcome | undefined;
    let errorType: string | undefined;
    try {
      await context.with(trace.setSpan(parent, span), next, undefined, message);
      outcome = message.outcome ?? 'handled';
      if (outcome === 'retry-scheduled' || outcome === 'dead-lettered') {
        failSpan(span, message.error);
        errorType = errorCodeOf(message.error);
      }
      if (span.isRecording()) span.setAttribute('tributary.outcome', outcome);
    } catch (error) {
      failSpan(span, error);
      errorType = errorCodeOf(error);
      throw error;
    } finally {
      span.end();
      const series = outcomeSeries(telemetry, message, outcome, errorType);
      series.duration.record((performance.now() - started) / 1000);
      series.consumed.value++;
    }
  };
}
