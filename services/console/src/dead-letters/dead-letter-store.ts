// Finds the dead letters of every `<topic>.<group>.dlq` topic on the cluster, minus those already redriven
// or discarded (marked in `<dlq>.redriven`, since a topic cannot delete records), and groups the failures
// by error code, event type and origin.
import { createHash } from 'node:crypto';
import { type EventRegistry, RetryHeaders } from '@tributary/messaging';
import { ConsoleError } from '../errors/console-error.ts';
import type { FetchedRecord, KafkaCluster } from '../kafka/kafka-cluster.ts';
import type { TopicDirectory } from '../kafka/topic-directory.ts';
import { type MessageView, viewOf } from '../messages/message-view.ts';

export const REDRIVE_COUNT_HEADER = 'tributary-redrive-count';

export interface DeadLetterView {
  /** Where it sits: the dead-letter topic, partition and offset. */
  dlq: string;
  partition: number;
  offset: string;
  errorCode: string;
  errorMessage: string;
  attempts: number | null;
  origin: { topic: string; partition: number | null; offset: string | null };
  group: string;
  eventType: string;
  eventId: string | null;
  firstFailureAt: string | null;
  lastFailureAt: string | null;
  /** Times this event was redriven already (the loop guard's count). */
  redriven: number;
  failureGroup: string;
  message: MessageView;
}

export interface FailureGroup {
  id: string;
  errorCode: string;
  eventType: string;
  originTopic: string;
  group: string;
  count: number;
  firstFailureAt: string | null;
  lastFailureAt: string | null;
  sampleError: string;
}

export interface DeadLetterRef {
  dlq: string;
  partition: number;
  offset: string;
}

const FETCH_BYTES = 1024 * 1024;
/** Dead letters read per dead-letter topic; beyond this the page says it is truncated. */
const MAX_PER_TOPIC = 10_000;

export function isDeadLetterTopic(name: string): boolean {
  return name.endsWith('.dlq');
}

export function marksTopicOf(dlq: string): string {
  return `${dlq}.redriven`;
}

export function markKeyOf(partition: number, offset: bigint | string): string {
  return `${partition}:${offset}`;
}

function failureGroupId(errorCode: string, eventType: string, originTopic: string, group: string): string {
  return createHash('sha256')
    .update([errorCode, eventType, originTopic, group].join('\u0000'))
    .digest('base64url')
    .slice(0, 16);
}

function minIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

export class DeadLetterStore {
  readonly #cluster: KafkaCluster;
  readonly #topics: TopicDirectory;
  readonly #contracts: EventRegistry;

  constructor(cluster: KafkaCluster, topics: TopicDirectory, contracts: EventRegistry) {
    this.#cluster = cluster;
    this.#topics = topics;
    this.#contracts = contracts;
  }

  /** Every record of a topic from its first to its current end (bounded). */
  async readAll(
    topic: string,
    max = MAX_PER_TOPIC,
  ): Promise<{ records: FetchedRecord[]; truncated: boolean }> {
    const layout = await this.#topics.layout(topic);
    const bounds = (await this.#cluster.offsets(new Map([[topic, layout.leaders.length]]))).get(topic) ?? [];
    const records: FetchedRecord[] = [];
    let truncated = false;
    for (const b of bounds) {
      let next = b.start;
      while (next < b.end) {
        if (records.length >= max) {
          truncated = true;
          break;
        }
        const leader = layout.leaders[b.partition] ?? -1;
        const got = await this.#cluster.fetch(topic, layout.id, leader, b.partition, next, FETCH_BYTES);
        if (got.length === 0) break;
        for (const r of got) {
          if (r.offset >= b.end) break;
          records.push(r);
          next = r.offset + 1n;
        }
      }
    }
    return { records, truncated };
  }

  async deadLetterTopics(): Promise<string[]> {
    return (await this.#cluster.topicNames()).filter(isDeadLetterTopic);
  }

  async list(): Promise<{ deadLetters: DeadLetterView[]; truncated: boolean }> {
    const all: DeadLetterView[] = [];
    let truncated = false;
    const names = await this.#cluster.topicNames();
    for (const dlq of names.filter(isDeadLetterTopic)) {
      const [letters, marks] = await Promise.all([
        this.readAll(dlq),
        names.includes(marksTopicOf(dlq))
          ? this.readAll(marksTopicOf(dlq), 1_000_000)
          : { records: [], truncated: false },
      ]);
      truncated ||= letters.truncated;
      const done = new Set(marks.records.map((m) => m.key?.toString('utf8')));
      for (const record of letters.records) {
        if (done.has(markKeyOf(record.partition, record.offset))) continue;
        all.push(this.#describe(dlq, record));
      }
    }
    return { deadLetters: all, truncated };
  }

  #describe(dlq: string, record: FetchedRecord): DeadLetterView {
    const message = viewOf(dlq, record, this.#contracts);
    const h = message.headers;
    const originTopic = h[RetryHeaders.originalTopic] ?? dlq.split('.')[0] ?? dlq;
    const group = h[RetryHeaders.group] ?? dlq.slice(originTopic.length + 1, -'.dlq'.length);
    const errorCode = h[RetryHeaders.errorCode] ?? 'UNKNOWN';
    const eventType = h.ce_type ?? '(no ce_type)';
    const attempts = Number(h[RetryHeaders.attempts]);
    const partition = Number(h[RetryHeaders.originalPartition]);
    const redriven = Number(h[REDRIVE_COUNT_HEADER] ?? 0);
    return {
      dlq,
      partition: record.partition,
      offset: String(record.offset),
      errorCode,
      errorMessage: h[RetryHeaders.errorMessage] ?? '',
      attempts: Number.isInteger(attempts) ? attempts : null,
      origin: {
        topic: originTopic,
        partition: Number.isInteger(partition) ? partition : null,
        offset: h[RetryHeaders.originalOffset] ?? null,
      },
      group,
      eventType,
      eventId: h.ce_id ?? null,
      firstFailureAt: h[RetryHeaders.firstFailureAt] ?? null,
      lastFailureAt: h[RetryHeaders.lastFailureAt] ?? null,
      redriven: Number.isInteger(redriven) && redriven > 0 ? redriven : 0,
      failureGroup: failureGroupId(errorCode, eventType, originTopic, group),
      message,
    };
  }

  static groups(deadLetters: readonly DeadLetterView[]): FailureGroup[] {
    const groups = new Map<string, FailureGroup>();
    for (const d of deadLetters) {
      const g = groups.get(d.failureGroup) ?? {
        id: d.failureGroup,
        errorCode: d.errorCode,
        eventType: d.eventType,
        originTopic: d.origin.topic,
        group: d.group,
        count: 0,
        firstFailureAt: null,
        lastFailureAt: null,
        sampleError: d.errorMessage,
      };
      g.count++;
      g.firstFailureAt = minIso(g.firstFailureAt, d.firstFailureAt ?? d.lastFailureAt);
      const last = d.lastFailureAt ?? d.firstFailureAt;
      if (last !== null && (g.lastFailureAt === null || last > g.lastFailureAt)) g.lastFailureAt = last;
      groups.set(d.failureGroup, g);
    }
    return [...groups.values()].sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
  }

  /** The dead letters a request names: a failure group or a selection of positions. */
  async select(selection: {
    failureGroup?: string;
    items?: readonly DeadLetterRef[];
  }): Promise<DeadLetterView[]> {
    const { deadLetters } = await this.list();
    if (selection.failureGroup !== undefined) {
      const chosen = deadLetters.filter((d) => d.failureGroup === selection.failureGroup);
      if (chosen.length === 0) {
        throw new ConsoleError(
          'FAILURE_GROUP_NOT_FOUND',
          `no dead letters are in failure group ${selection.failureGroup}`,
        );
      }
      return chosen;
    }
    const chosen: DeadLetterView[] = [];
    for (const ref of selection.items ?? []) {
      const found = deadLetters.find(
        (d) => d.dlq === ref.dlq && d.partition === ref.partition && d.offset === ref.offset,
      );
      if (!found) {
        throw new ConsoleError(
          'DEAD_LETTER_NOT_FOUND',
          `no dead letter waits at ${ref.dlq}/${ref.partition}@${ref.offset} (already redriven or discarded?)`,
        );
      }
      chosen.push(found);
    }
    return chosen;
  }
}
