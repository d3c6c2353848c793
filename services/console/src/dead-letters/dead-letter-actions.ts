// What the console does to dead letters: redrive (back to the topic they failed on, at a bounded rate,
// never more than a few times for one event), edit and redrive (a copy with a new id whose body must match
// the event's contract), and discard. Each moved or discarded dead letter gets a mark in `<dlq>.redriven`.
import { randomUUID } from 'node:crypto';
import { type EventRegistry, RetryHeaders } from '@tributary/messaging';
import { ConsoleError } from '../errors/console-error.ts';
import type { KafkaCluster } from '../kafka/kafka-cluster.ts';
import type { TopicDirectory } from '../kafka/topic-directory.ts';
import { contractMatch } from '../messages/message-view.ts';
import {
  type DeadLetterRef,
  type DeadLetterView,
  markKeyOf,
  marksTopicOf,
  REDRIVE_COUNT_HEADER,
} from './dead-letter-store.ts';

export interface DeadLetterActionsOptions {
  cluster: KafkaCluster;
  topics: TopicDirectory;
  contracts: EventRegistry;
  /** Dead letters republished per second at most. */
  ratePerSecond: number;
  /** An event redriven this many times is not redriven again (it keeps failing: fix the handler first). */
  maxRedrives: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ActionItem {
  dlq: string;
  partition: number;
  offset: string;
  eventId: string | null;
  eventType: string;
  toTopic: string;
}

export interface ActionResult {
  dryRun: boolean;
  /** Moved (or, in a dry run, would move). */
  items: ActionItem[];
  /** Held back by the loop guard. */
  skipped: (ActionItem & { reason: string })[];
}

const retryHeaderNames = new Set<string>(Object.values(RetryHeaders));

function originalHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !retryHeaderNames.has(name)));
}

export function itemOf(d: DeadLetterView): ActionItem {
  return {
    dlq: d.dlq,
    partition: d.partition,
    offset: d.offset,
    eventId: d.eventId,
    eventType: d.eventType,
    toTopic: d.origin.topic,
  };
}

export class DeadLetterActions {
  readonly #options: DeadLetterActionsOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  /** When the next redrive may be sent: one rate limit for every redrive of the console, jobs included. */
  #nextSlot = 0;
  /** Marks topics known to exist: asking the cluster before each mark would cost a round trip per item. */
  readonly #marksTopics = new Set<string>();

  constructor(options: DeadLetterActionsOptions) {
    this.#options = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Marks a dead letter as handled in `<dlq>.redriven`: the list and every later redrive leave it out. */
  async mark(d: DeadLetterRef, what: 'redriven' | 'discarded' | 'edited'): Promise<void> {
    const marks = marksTopicOf(d.dlq);
    if (!this.#marksTopics.has(marks)) {
      await this.#options.cluster.createTopic(marks, 1);
      this.#options.topics.forget(marks);
      this.#marksTopics.add(marks);
    }
    await this.#options.cluster.produce([
      {
        topic: marks,
        key: markKeyOf(d.partition, d.offset),
        value: null,
        headers: { 'tributary-redriven-at': new Date().toISOString(), 'tributary-console-action': what },
      },
    ]);
  }

  /** Splits dead letters into those due for a redrive and those the loop guard holds back. */
  plan(deadLetters: readonly DeadLetterView[]): { due: DeadLetterView[]; skipped: ActionResult['skipped'] } {
    const skipped: ActionResult['skipped'] = [];
    const due: DeadLetterView[] = [];
    for (const d of deadLetters) {
      if (d.redriven >= this.#options.maxRedrives) {
        skipped.push({
          ...itemOf(d),
          reason: `redriven ${d.redriven} time(s) already and dead-lettered again (limit ${this.#options.maxRedrives})`,
        });
      } else {
        due.push(d);
      }
    }
    return { due, skipped };
  }

  /** Waits for the rate limit's next slot. */
  async #slot(): Promise<void> {
    const gapMs = 1000 / this.#options.ratePerSecond;
    const now = performance.now();
    const at = Math.max(now, this.#nextSlot);
    this.#nextSlot = at + gapMs;
    if (at > now) await this.#sleep(at - now);
  }

  /** The header that tells a redriven copy: its count of redrives so far. */
  static redriveCountOf(d: DeadLetterView): string {
    return String(d.redriven + 1);
  }

  /**
   * Sends one dead letter back to its topic (event id unchanged) at the rate limit, then marks it.
   * `beforeSend` runs once the slot is due, right before the copy is produced (a job journals it there).
   */
  async redriveOne(d: DeadLetterView, beforeSend?: () => Promise<void>): Promise<ActionItem> {
    await this.#slot();
    await beforeSend?.();
    await this.#options.cluster.produce([
      {
        topic: d.origin.topic,
        key: d.message.key,
        value: d.message.text === null ? null : Buffer.from(d.message.text),
        headers: {
          ...originalHeaders(d.message.headers),
          [REDRIVE_COUNT_HEADER]: DeadLetterActions.redriveCountOf(d),
        },
      },
    ]);
    await this.mark(d, 'redriven');
    return itemOf(d);
  }

  /** Redrives the dead letters (a dry run unless `dryRun` is false), keeping each event's id. */
  async redrive(deadLetters: readonly DeadLetterView[], dryRun: boolean): Promise<ActionResult> {
    const { due, skipped } = this.plan(deadLetters);
    if (dryRun) return { dryRun, items: due.map(itemOf), skipped };
    const items: ActionItem[] = [];
    for (const d of due) items.push(await this.redriveOne(d));
    return { dryRun, items, skipped };
  }

  /** Sends a copy with a new event id and the edited body, once it matches the contract; marks the original. */
  async editAndRedrive(d: DeadLetterView, body: unknown): Promise<ActionItem & { newEventId: string }> {
    const ceType = d.message.headers.ce_type;
    if (ceType === undefined || this.#options.contracts.get(ceType) === undefined) {
      throw new ConsoleError(
        'UNKNOWN_EVENT_TYPE',
        `the dead letter's type ${ceType ?? '(none)'} is not a known contract, so its edit cannot be checked`,
      );
    }
    const match = contractMatch(this.#options.contracts, ceType, body);
    if (match.valid !== true) {
      throw new ConsoleError(
        'CONTRACT_VIOLATION',
        `the edited body does not match ${ceType}: ${match.issues.join('; ')}`,
        {
          issues: match.issues,
        },
      );
    }
    const newEventId = randomUUID();
    await this.#options.cluster.produce([
      {
        topic: d.origin.topic,
        key: d.message.key,
        value: Buffer.from(JSON.stringify(body)),
        headers: {
          ...originalHeaders(d.message.headers),
          ce_id: newEventId,
          'tributary-edited-from': d.eventId ?? '',
          [REDRIVE_COUNT_HEADER]: String(d.redriven + 1),
        },
      },
    ]);
    await this.mark(d, 'edited');
    return { ...itemOf(d), newEventId };
  }

  async discard(deadLetters: readonly DeadLetterView[]): Promise<ActionItem[]> {
    for (const d of deadLetters) await this.mark(d, 'discarded');
    return deadLetters.map(itemOf);
  }
}
