// Tracing and correlation: the handler runs in a context carrying the message's correlation id and a child
// span of its traceparent, so everything it logs and publishes continues the same flow.
import { randomUUID } from 'node:crypto';
import { context as otelContext, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { Headers } from '../../envelope/cloud-event.ts';
import { type MessageContext, runWithMessageContext } from '../../envelope/message-context.ts';
import {
  childTraceparent,
  formatTraceparent,
  parseTraceparent,
  traceIdOf,
} from '../../envelope/trace-context.ts';
import type { Middleware } from '../message-pipeline.ts';

/** The handler's span: its id is drawn when first read (most handlers publish nothing). */
class HandlerSpanContext implements MessageContext {
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** The span the handler runs in (with an SDK), else the record's `traceparent`. */
  readonly #parent: SpanContext | string | undefined;
  #traceparent: string | undefined;

  constructor(
    correlationId: string,
    causationId: string | undefined,
    parent: SpanContext | string | undefined,
  ) {
    this.correlationId = correlationId;
    this.causationId = causationId;
    this.#parent = parent;
  }

  get traceparent(): string {
    this.#traceparent ??= childTraceparent(
      typeof this.#parent === 'object'
        ? formatTraceparent({
            traceId: this.#parent.traceId,
            parentId: this.#parent.spanId,
            flags: this.#parent.traceFlags & TraceFlags.SAMPLED ? '01' : '00',
          })
        : this.#parent,
    );
    return this.#traceparent;
  }
}

export function correlationMiddleware(): Middleware {
  return (next) => (message) => {
    const headers = message.record.headers;
    const correlationId = headers[Headers.correlationId] || randomUUID();
    const eventId = headers[Headers.id];
    // With an SDK, the handler continues the `process` span the tracing middleware started.
    // The traceparent of events the handler publishes is made when one is published, not per record.
    const active = trace.getSpanContext(otelContext.active());
    const recorded = active !== undefined && trace.isSpanContextValid(active) ? active : undefined;
    const parent = recorded ?? headers[Headers.traceparent];
    const context = new HandlerSpanContext(correlationId, eventId, parent);
    // Without a valid parent the span starts a new trace, whose id the log lines need now.
    const traceId =
      recorded?.traceId ??
      parseTraceparent(headers[Headers.traceparent])?.traceId ??
      traceIdOf(context.traceparent);
    message.bind({ correlationId, traceId, eventId, eventType: headers[Headers.type] });
    return runWithMessageContext(context, () => next(message));
  };
}
