// The correlation id and trace context of the work in progress, carried across awaits so that events
// published while handling a message (or an HTTP request) continue the same flow.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface MessageContext {
  correlationId: string;
  /** traceparent of the current span. */
  traceparent: string;
  /** ce_id of the message being handled, when there is one. */
  causationId?: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

export function runWithMessageContext<T>(context: MessageContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentMessageContext(): MessageContext | undefined {
  return storage.getStore();
}
