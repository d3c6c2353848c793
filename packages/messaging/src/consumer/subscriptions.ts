// What a consumer group handles: one typed handler per subscribed contract, found by the contract the
// validation middleware resolved the record to (never by comparing type strings), and called with the
// payload validated and upcast to that contract's version.
import type { Logger } from 'pino';
import type { AnyEventDefinition, EventData } from '../contracts/define-event.ts';
import type { EventRegistry } from '../contracts/event-registry.ts';
import type { EventEnvelope } from '../envelope/cloud-event.ts';
import { MessagingArgumentError } from '../errors.ts';
import type { TransportRecord } from '../ports/transport.ts';
import type { InboundMessage } from './message-pipeline.ts';

export interface ConsumedEvent<T> extends EventEnvelope<T> {
  /** The subscribed contract's `ce_type`: what `data` is, also when the event was published as an older version. */
  type: string;
  /** `ce_type` as published: an older version than `type` when the event was upcast. */
  publishedType: string;
  /** Partition and offset where the event was first published. */
  partition: number;
  offset: bigint;
  /** Rounds that failed before this one (0 on first delivery). */
  attempt: number;
}

export interface HandlerContext {
  logger: Logger;
  /** Aborts when the runner stops: finish quickly or give up (the record is then redelivered). */
  signal: AbortSignal;
  group: string;
  record: TransportRecord;
}

export type EventHandler<D extends AnyEventDefinition> = (
  event: ConsumedEvent<EventData<D>>,
  context: HandlerContext,
) => Promise<void> | void;

interface Subscription {
  definition: AnyEventDefinition;
  handler: EventHandler<AnyEventDefinition>;
}

export class Subscriptions {
  readonly #group: string;
  readonly #registry: EventRegistry;
  /** By definition (identity): the validation middleware hands over the very definition it upcast to. */
  readonly #byDefinition = new Map<AnyEventDefinition, Subscription>();
  readonly #byType = new Map<string, Subscription>();

  constructor(group: string, registry: EventRegistry) {
    this.#group = group;
    this.#registry = registry;
  }

  get size(): number {
    return this.#byType.size;
  }

  /**
   * One handler per event type, for one version of it (its contract); events published under older versions
   * reach it upcast, newer ones are refused (dead-lettered: this reader cannot understand them).
   */
  add<D extends AnyEventDefinition>(definition: D, handler: EventHandler<D>): void {
    const taken = this.#byType.get(definition.type);
    if (taken !== undefined) {
      throw new MessagingArgumentError(
        `${definition.type} already has a handler in group ${this.#group} (for ${taken.definition.ceType})`,
      );
    }
    if (this.#registry.get(definition.ceType) !== definition) {
      throw new MessagingArgumentError(`${definition.ceType} is not in the registry given to the runner`);
    }
    const subscription: Subscription = {
      definition,
      handler: handler as unknown as EventHandler<AnyEventDefinition>,
    };
    this.#byDefinition.set(definition, subscription);
    this.#byType.set(definition.type, subscription);
  }

  /** Subscribed definition by event type (`user.registered`), what the validation middleware reads to. */
  definitionsByType(): Map<string, AnyEventDefinition> {
    return new Map([...this.#byType].map(([type, { definition }]) => [type, definition]));
  }

  /** Subscribed topics, each once. */
  topics(): string[] {
    return [...new Set([...this.#byType.values()].map(({ definition }) => definition.topic))];
  }

  /** Subscribed `ce_type`s, for the start-up log line. */
  ceTypes(): string[] {
    return [...this.#byType.values()].map(({ definition }) => definition.ceType);
  }

  /**
   * Calls the handler of the contract the record was read as. The envelope, decoded for this record alone,
   * is completed in place rather than copied.
   */
  async dispatch(message: InboundMessage, context: HandlerContext): Promise<void> {
    const definition = message.definition;
    const subscription = definition === undefined ? undefined : this.#byDefinition.get(definition);
    if (subscription === undefined || message.envelope === undefined) {
      // The validation middleware only passes on records of subscribed contracts: this is a wiring bug.
      throw new MessagingArgumentError(
        `no handler for ${definition?.ceType ?? 'an unvalidated record'} in group ${this.#group}`,
      );
    }
    const event = message.envelope as ConsumedEvent<unknown>;
    event.publishedType = event.type;
    event.type = subscription.definition.ceType;
    event.partition = message.origin.partition;
    event.offset = message.origin.offset;
    event.attempt = message.retry?.attempt ?? 0;
    await subscription.handler(event as ConsumedEvent<never>, context);
  }
}
