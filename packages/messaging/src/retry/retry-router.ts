// Moves records out of the way: into the retry topic (with a due time), behind an earlier failure of their
// key (parked), or into the dead-letter topic with headers that say what failed.
import type { Clock } from '../clock.ts';
import type { InboundMessage } from '../consumer/message-pipeline.ts';
import { errorCodeOf, errorMessageOf } from '../errors.ts';
import type { RawMessage } from '../ports/transport.ts';
import { instruments } from '../telemetry/instruments.ts';
import { Attr } from '../telemetry/tracing.ts';
import { failureHeaders, originalHeaders, originHeaders, RetryHeaders } from './retry-headers.ts';
import { deadLetterTopicOf, retryTopicOf } from './retry-topics.ts';

export interface RetryRouterOptions {
  group: string;
  clock: Clock;
  /** Delay before each round in the retry topic; rounds in all = delays + 1 (the first delivery). */
  delaysMs: readonly number[];
  publish: (message: RawMessage) => Promise<void>;
}

export class RetryRouter {
  readonly #options: RetryRouterOptions;

  constructor(options: RetryRouterOptions) {
    this.#options = options;
  }

  /** Rounds a record gets before it is dead-lettered. */
  get maxRounds(): number {
    return this.#options.delaysMs.length + 1;
  }

  /** Holds a record back behind an earlier failure of its key, keeping what it already carries. */
  async park(message: InboundMessage): Promise<void> {
    const { record, origin } = message;
    const headers = message.retry
      ? { ...record.headers }
      : {
          ...record.headers,
          ...originHeaders(origin, this.#options.group),
          [RetryHeaders.attempt]: '0',
          [RetryHeaders.dueAt]: String(this.#options.clock.now()),
          [RetryHeaders.parked]: 'true',
        };
    await this.#options.publish({
      topic: retryTopicOf(origin.topic, this.#options.group),
      key: record.key,
      value: record.value,
      headers,
    });
    this.#count('parked', message);
  }

  /** Sends a record that failed `failedRounds` rounds to the retry topic, due after the matching delay. */
  async scheduleRetry(message: InboundMessage, error: unknown, failedRounds: number): Promise<number> {
    const now = this.#options.clock.now();
    const delays = this.#options.delaysMs;
    const dueAt = now + delays[Math.min(failedRounds, delays.length) - 1];
    await this.#options.publish({
      topic: retryTopicOf(message.origin.topic, this.#options.group),
      key: message.record.key,
      value: message.record.value,
      headers: {
        ...this.#failure(message, error, now),
        [RetryHeaders.attempt]: String(failedRounds),
        [RetryHeaders.dueAt]: String(dueAt),
      },
    });
    this.#count('retry', message, error);
    return dueAt;
  }

  async deadLetter(message: InboundMessage, error: unknown, rounds: number): Promise<void> {
    await this.#options.publish({
      topic: deadLetterTopicOf(message.origin.topic, this.#options.group),
      key: message.record.key,
      value: message.record.value,
      headers: {
        ...this.#failure(message, error, this.#options.clock.now()),
        [RetryHeaders.attempts]: String(rounds),
      },
    });
    this.#count('dead-letter', message, error);
  }

  #count(move: 'parked' | 'retry' | 'dead-letter', message: InboundMessage, error?: unknown): void {
    const attributes: Record<string, string> = {
      [Attr.destination]: message.origin.topic,
      [Attr.group]: this.#options.group,
      // Only validated types: a label must not take whatever a broken record carries.
      [Attr.eventType]: message.envelope?.type ?? 'unknown',
    };
    if (error !== undefined) attributes[Attr.errorType] = errorCodeOf(error);
    const meters = instruments();
    if (move === 'dead-letter') meters.deadLetters.add(1, attributes);
    else meters.retries.add(1, { ...attributes, 'tributary.retry.kind': move });
  }

  #failure(message: InboundMessage, error: unknown, now: number): Record<string, string> {
    const at = new Date(now).toISOString();
    return {
      ...originalHeaders(message.record.headers),
      ...failureHeaders({
        origin: message.origin,
        group: this.#options.group,
        errorCode: errorCodeOf(error),
        errorMessage: errorMessageOf(error),
        firstFailureAt: message.retry?.firstFailureAt ?? at,
        lastFailureAt: at,
      }),
    };
  }
}
