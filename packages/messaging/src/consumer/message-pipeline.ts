// What flows through the consumer's middleware chain (Watermill style: a middleware wraps the next
// handler), and how the chain is put together.
import type { Logger } from 'pino';
import type { AnyEventDefinition } from '../contracts/define-event.ts';
import type { EventEnvelope } from '../envelope/cloud-event.ts';
import type { TransportRecord } from '../ports/transport.ts';
import type { RecordOrigin, RetryMetadata } from '../retry/retry-headers.ts';

export type MessageOutcome = 'handled' | 'skipped' | 'parked' | 'retry-scheduled' | 'dead-lettered';

export interface InboundMessage {
  readonly record: TransportRecord;
  readonly group: string;
  /** Where the record was first published (differs from `record` for copies in the retry topic). */
  readonly origin: RecordOrigin;
  /** Set when the record comes from the retry topic. */
  readonly retry: RetryMetadata | undefined;
  /** Aborts when the runner stops: waits end, the record is not committed. */
  readonly signal: AbortSignal;
  /** Logger with the record's fields and those bound since; made on first use, so quiet records cost none. */
  readonly logger: Logger;
  /** Adds fields to every line logged for this record from now on. */
  bind(fields: Record<string, unknown>): void;
  /** Decoded, validated and upcast by the validation middleware. */
  envelope?: EventEnvelope<unknown>;
  /** The definition the subscribed handler expects (`envelope.data` matches it). */
  definition?: AnyEventDefinition;
  /** What became of the record; set by the middleware that decided. */
  outcome?: MessageOutcome;
  /** Failure of the last round, when the record went to the retry or dead-letter topic. */
  error?: unknown;
}

export interface InboundMessageInit {
  record: TransportRecord;
  group: string;
  origin: RecordOrigin;
  retry: RetryMetadata | undefined;
  signal: AbortSignal;
  /** The runner's logger; the record's logger is its child. */
  logger: Logger;
}

class RecordMessage implements InboundMessage {
  readonly record: TransportRecord;
  readonly group: string;
  readonly origin: RecordOrigin;
  readonly retry: RetryMetadata | undefined;
  readonly signal: AbortSignal;
  envelope?: EventEnvelope<unknown>;
  definition?: AnyEventDefinition;
  outcome?: MessageOutcome;
  error?: unknown;
  readonly #base: Logger;
  /** Fields bound before the logger was made; merged once, when it is. */
  readonly #bound: Record<string, unknown>[] = [];
  #logger: Logger | undefined;

  constructor(init: InboundMessageInit) {
    this.record = init.record;
    this.group = init.group;
    this.origin = init.origin;
    this.retry = init.retry;
    this.signal = init.signal;
    this.#base = init.logger;
  }

  get logger(): Logger {
    if (!this.#logger) {
      const { topic, partition, offset, key } = this.record;
      this.#logger = this.#base.child(
        Object.assign({ topic, partition, offset: String(offset), key }, ...this.#bound),
      );
    }
    return this.#logger;
  }

  bind(fields: Record<string, unknown>): void {
    if (this.#logger) this.#logger = this.#logger.child(fields);
    else this.#bound.push(fields);
  }
}

export function createInboundMessage(init: InboundMessageInit): InboundMessage {
  return new RecordMessage(init);
}

export type MessageHandler = (message: InboundMessage) => Promise<void>;
export type Middleware = (next: MessageHandler) => MessageHandler;

/** The first middleware is the outermost. */
export function composeMiddleware(
  middlewares: readonly Middleware[],
  handler: MessageHandler,
): MessageHandler {
  return middlewares.reduceRight<MessageHandler>((next, middleware) => middleware(next), handler);
}
