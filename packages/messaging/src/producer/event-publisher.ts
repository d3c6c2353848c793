// Publishes events (and raw records, for the outbox relay) through the resilience policy, with the
// idempotent producer of the transport underneath.
import { EventEmitter } from 'node:events';
import { context, createContextKey } from '@opentelemetry/api';
import { errorSummary, rootCauseOf } from '@tributary/database';
import { type Logger, pino } from 'pino';
import type { AnyEventDefinition, EventData } from '../contracts/define-event.ts';
import type { EventRegistry } from '../contracts/event-registry.ts';
import {
  type CreateEventOptions,
  createEvent,
  type EventEnvelope,
  encodeEvent,
} from '../envelope/cloud-event.ts';
import { parseTraceparent } from '../envelope/trace-context.ts';
import { errorCodeOf, MessagingArgumentError, UnknownEventTypeError } from '../errors.ts';
import type { Publisher, RawMessage, Transport } from '../ports/transport.ts';
import { instruments } from '../telemetry/instruments.ts';
import { Attr, failSpan, parentContext, startSendSpan, withSpanHeaders } from '../telemetry/tracing.ts';
import { type CircuitStateName, PublishPolicy, type PublishPolicyOptions } from './publish-policy.ts';

/** Set while a publisher's send span is open. */
const SENDING = createContextKey('tributary.messaging.sending');

export interface EventPublisherOptions {
  /** Where to publish; the publisher is created from it and closed with this one. */
  transport?: Transport;
  /** Or an existing raw publisher (not closed by this one). */
  publisher?: Publisher;
  /** ce_source of events built by `publishEvent`, e.g. `/user-service`. */
  source?: string;
  /** When given, `publish` refuses event types it does not contain and validates payloads against them. */
  registry?: EventRegistry;
  resilience?: PublishPolicyOptions;
  logger?: Logger;
}

export interface EventPublisherEvents {
  'circuit-state': [state: CircuitStateName];
}

export class EventPublisher extends EventEmitter<EventPublisherEvents> {
  readonly #publisher: Publisher;
  readonly #ownsPublisher: boolean;
  readonly #source: string;
  readonly #registry: EventRegistry | undefined;
  readonly #policy: PublishPolicy;
  readonly #logger: Logger;

  constructor(options: EventPublisherOptions) {
    super();
    if (!options.transport === !options.publisher) {
      throw new MessagingArgumentError('give EventPublisher either a transport or a publisher');
    }
    this.#publisher = options.publisher ?? options.transport!.createPublisher();
    this.#ownsPublisher = !options.publisher;
    this.#source = options.source ?? '/tributary';
    this.#registry = options.registry;
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'event-publisher' });
    this.#policy = new PublishPolicy(options.resilience, (state) => {
      const level = state === 'closed' ? 'info' : 'warn';
      this.#logger[level]({ circuit: state }, `publisher circuit ${state}`);
      this.emit('circuit-state', state);
    });
  }

  /** Circuit breaker state, for health checks and metrics. */
  get state(): CircuitStateName {
    return this.#policy.state;
  }

  /** Builds the event (validated, trace and correlation from the current context) and publishes it. */
  async publishEvent<D extends AnyEventDefinition>(
    definition: D,
    data: EventData<D>,
    options: CreateEventOptions = {},
  ): Promise<EventEnvelope<EventData<D>>> {
    const event = createEvent(definition, data, { source: this.#source, ...options });
    await this.publish(event);
    return event;
  }

  /** Publishes an event made by `createEvent`. */
  async publish(event: EventEnvelope): Promise<void> {
    if (this.#registry) {
      const definition: AnyEventDefinition | undefined = this.#registry.get(event.type);
      if (!definition) throw new UnknownEventTypeError(event.type);
      definition.validate(event.data);
    }
    const message = encodeEvent(event);
    const logger = this.#logger.child({
      eventId: event.id,
      eventType: event.type,
      correlationId: event.correlationId,
      traceId: parseTraceparent(event.traceparent)?.traceId,
    });
    await this.#send(message, logger);
  }

  /** Publishes an already encoded record (the outbox relay's path) under the same policy. */
  async publishRaw(message: RawMessage): Promise<void> {
    await this.#send(
      message,
      this.#logger.child({
        eventId: message.headers.ce_id,
        correlationId: message.headers['correlation-id'],
      }),
    );
  }

  /**
   * One `send <topic>` span around the whole policy (attempts included), child of the active span or else
   * of the context the message carries (an outbox row's); the record carries this span's context on.
   */
  async #send(message: RawMessage, logger: Logger): Promise<void> {
    // An EventPublisher over another one (the consumer runner's over the service's): the outer one traces.
    if (context.active().getValue(SENDING) === true) {
      await this.#policy.execute((signal) => this.#publisher.publishRaw(message, signal));
      return;
    }
    const span = startSendSpan({
      topic: message.topic,
      key: message.key,
      headers: message.headers,
      parent: parentContext(message.headers),
    });
    const traced = { ...message, headers: withSpanHeaders(message.headers, span) };
    const started = performance.now();
    const attributes: Record<string, string> = {
      [Attr.system]: 'kafka',
      [Attr.operationName]: 'send',
      [Attr.destination]: message.topic,
    };
    try {
      await context.with(context.active().setValue(SENDING, true), () =>
        this.#policy.execute((signal) => this.#publisher.publishRaw(traced, signal)),
      );
      logger.debug({ topic: message.topic, key: message.key }, 'published');
    } catch (err) {
      failSpan(span, err);
      attributes[Attr.errorType] = errorCodeOf(err);
      logger.warn(
        { error: errorSummary(err), topic: message.topic, key: message.key },
        `${rootCauseOf(err)}: publish to ${message.topic} failed`,
      );
      throw err;
    } finally {
      span.end();
      const meters = instruments();
      meters.operationDuration.record((performance.now() - started) / 1000, attributes);
      meters.sent.add(1, attributes);
    }
  }

  async close(): Promise<void> {
    if (this.#ownsPublisher) await this.#publisher.close();
  }
}

export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  return new EventPublisher(options);
}
