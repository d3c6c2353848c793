// Decoding and validation: the record must be a JSON CloudEvent of a known version of a subscribed type;
// its payload is validated and upcast to the version the handler expects. Failures here are not retriable
// and send the record straight to the dead-letter topic.
import type { AnyEventDefinition } from '../../contracts/define-event.ts';
import { parseCeType } from '../../contracts/define-event.ts';
import type { EventRegistry } from '../../contracts/event-registry.ts';
import { decodeEvent } from '../../envelope/cloud-event.ts';
import type { Middleware } from '../message-pipeline.ts';

export interface ValidationOptions {
  registry: EventRegistry;
  /** Handled definition by event type (`user.registered`). */
  subscriptions: ReadonlyMap<string, AnyEventDefinition>;
}

export function validationMiddleware(options: ValidationOptions): Middleware {
  return (next) => async (message) => {
    const decoded = decodeEvent(message.record);
    decoded.topic = message.origin.topic;
    const type = parseCeType(decoded.type)?.type;
    const target = type === undefined ? undefined : options.subscriptions.get(type);
    if (!target) {
      // Topics carry several event types; a consumer handles those it subscribed to.
      message.outcome = 'skipped';
      return;
    }
    decoded.data = options.registry.read(decoded.type, decoded.data, target);
    message.envelope = decoded;
    message.definition = target;
    await next(message);
  };
}
