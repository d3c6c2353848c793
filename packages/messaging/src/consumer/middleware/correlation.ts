// Tracing and correlation: the handler runs in a context carrying the message's correlation id and a child
// span of its traceparent, so everything it logs and publishes continues the same flow.
import { randomUUID } from 'node:crypto';
import { context as otelContext, TraceFlags, trace } from '@opentelemetry/api';
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
  readonly #parent: string | undefined;
  #traceparent: string | undefined;

  constructor(correlationId: string, causationId: string | undefined, parent: string | undefined) {
    this.correlationId = correlationId;
    this.causationId = causationId;
    this.#parent = parent;
  }

  get traceparent(): string {
    this.#traceparent ??= childTraceparent(this.#parent);
    return this.#traceparent;
  }
}

export function correlationMiddleware(): Middleware {
  return (next) => (message) => {
    const headers = message.record.headers;
    const correlationId = headers[Headers.correlationId] || randomUUID();
    const eventId = headers[Headers.id];
    // With an SDK recording, the handler continues the `process` span the tracing middleware started.
    const active = trace.getSpanContext(otelContext.active());
    const recorded = active !== undefined && trace.isSpanContextValid(active) ? active : undefined;
    const parent =
      recorded !== undefined
        ? formatTraceparent({
            traceId: recorded.traceId,
            parentId: recorded.spanId,
            flags: recorded.traceFlags & TraceFlags.SAMPLED ? '01' : '00',
          })
        : headers[Headers.traceparent];
    const context = new HandlerSpanContext(correlationId, eventId, parent);
    // Without a valid parent the span starts a new trace, whose id the log lines need now.
    const traceId = recorded?.traceId ?? parseTraceparent(parent)?.traceId ?? traceIdOf(context.traceparent);
    message.bind({ correlationId, traceId, eventId, eventType: headers[Headers.type] });
    return runWithMessageContext(context, () => next(message));
  };
}
