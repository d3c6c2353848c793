// Tracing and correlation: the handler runs in a context carrying the message's correlation id and a child
// span of its traceparent, so everything it logs and publishes continues the same flow.
import { randomUUID } from 'node:crypto';
import { Headers } from '../../envelope/cloud-event.ts';
import { runWithMessageContext } from '../../envelope/message-context.ts';
import { childTraceparent, traceIdOf } from '../../envelope/trace-context.ts';
import type { Middleware } from '../message-pipeline.ts';

export function correlationMiddleware(): Middleware {
  return (next) => (message) => {
    const headers = message.record.headers;
    const correlationId = headers[Headers.correlationId] || randomUUID();
    const traceparent = childTraceparent(headers[Headers.traceparent]);
    const eventId = headers[Headers.id];
    message.bind({
      correlationId,
      traceId: traceIdOf(traceparent),
      eventId,
      eventType: headers[Headers.type],
    });
    return runWithMessageContext({ correlationId, traceparent, causationId: eventId }, () => next(message));
  };
}
