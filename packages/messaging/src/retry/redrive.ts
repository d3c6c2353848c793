// Moves dead letters back to the topic they came from, once their cause is fixed. A dry run (the default)
// only reports what would move. Topics cannot delete records, so each moved dead letter is marked in
// `<dlq>.redriven` and skipped by later redrives; a redriven event keeps its ce_id, so consumers that had
// already handled it drop it in their inbox.
import { context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Headers } from '../envelope/cloud-event.ts';
import type { Publisher, Transport, TransportRecord } from '../ports/transport.ts';
import { instruments } from '../telemetry/instruments.ts';
import {
  Attr,
  failSpan,
  spanContextOfHeaders,
  startSendSpan,
  withSpanHeaders,
} from '../telemetry/tracing.ts';
import { originalHeaders, type RecordOrigin, RetryHeaders, readRetryMetadata } from './retry-headers.ts';
import { deadLetterTopicOf, redrivenTopicOf } from './retry-topics.ts';

export interface DeadLetter {
  /** Position in the dead-letter topic. */
  partition: number;
  offset: bigint;
  key: string | null;
  eventId: string | undefined;
  eventType: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  attempts: number | undefined;
  origin: RecordOrigin | undefined;
  firstFailureAt: string | undefined;
  lastFailureAt: string | undefined;
  record: TransportRecord;
}

export interface RedriveFilter {
  eventTypes?: readonly string[];
  keys?: readonly string[];
  predicate?: (deadLetter: DeadLetter) => boolean;
}

export interface RedriveOptions {
  transport: Transport;
  /** The source topic and consumer group whose dead letters to redrive. */
  topic: string;
  group: string;
  filter?: RedriveFilter;
  /** Report only (default true); pass false to move. */
  dryRun?: boolean;
  /** Publisher to use (default: one from the transport, closed afterwards). */
  publisher?: Publisher;
  logger?: Logger;
}

export interface RedriveResult {
  dryRun: boolean;
  /** Dead letters that match (and, unless dry run, were moved), in dead-letter topic order. */
  deadLetters: DeadLetter[];
  moved: number;
}

function markOf(partition: number, offset: bigint): string {
  return `${partition}:${offset}`;
}

export function describeDeadLetter(record: TransportRecord): DeadLetter {
  const meta = readRetryMetadata(record);
  const attempts = Number(record.headers[RetryHeaders.attempts]);
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    eventId: record.headers[Headers.id],
    eventType: record.headers[Headers.type],
    errorCode: record.headers[RetryHeaders.errorCode],
    errorMessage: record.headers[RetryHeaders.errorMessage],
    attempts: Number.isInteger(attempts) ? attempts : undefined,
    origin: meta?.origin,
    firstFailureAt: meta?.firstFailureAt,
    lastFailureAt: meta?.lastFailureAt,
    record,
  };
}

/** The dead letters of a topic and group not redriven yet. */
export async function listDeadLetters(
  transport: Transport,
  topic: string,
  group: string,
): Promise<DeadLetter[]> {
  const [records, marks] = await Promise.all([
    transport.readTopic(deadLetterTopicOf(topic, group)),
    transport.readTopic(redrivenTopicOf(topic, group)),
  ]);
  const moved = new Set(marks.map((m) => m.key));
  return records.filter((r) => !moved.has(markOf(r.partition, r.offset))).map(describeDeadLetter);
}

function matches(deadLetter: DeadLetter, filter: RedriveFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(deadLetter.eventType ?? '')) return false;
  if (filter.keys && (deadLetter.key === null || !filter.keys.includes(deadLetter.key))) return false;
  return filter.predicate ? filter.predicate(deadLetter) : true;
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const dryRun = options.dryRun ?? true;
  const logger = (options.logger ?? pino({ level: 'silent' })).child({
    component: 'redrive',
    topic: options.topic,
    group: options.group,
  });
  const deadLetters = (await listDeadLetters(options.transport, options.topic, options.group)).filter((d) =>
    matches(d, options.filter),
  );
  if (dryRun || deadLetters.length === 0) {
    logger.info({ dryRun, count: deadLetters.length }, 'dead letters to redrive');
    return { dryRun, deadLetters, moved: 0 };
  }
  const marks = redrivenTopicOf(options.topic, options.group);
  await options.transport.ensureTopics([{ topic: marks, partitions: 1 }]);
  const publisher = options.publisher ?? options.transport.createPublisher();
  let moved = 0;
  try {
    for (const deadLetter of deadLetters) {
      const { record } = deadLetter;
      const topic = deadLetter.origin?.topic ?? options.topic;
      const headers = originalHeaders(record.headers);
      // A redrive is new work (of whoever runs it), linked to the trace the dead letter came from.
      const failed = spanContextOfHeaders(record.headers);
      const span = startSendSpan({
        topic,
        key: record.key,
        headers,
        parent: context.active(),
        links: failed === undefined ? [] : [{ context: failed, attributes: { 'tributary.link': 'redrive' } }],
      });
      span.setAttribute('messaging.operation.name', 'redrive');
      try {
        await publisher.publishRaw({
          topic,
          key: record.key,
          value: record.value,
          headers: withSpanHeaders(headers, span),
        });
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
      instruments().redrives.add(1, {
        [Attr.destination]: topic,
        [Attr.group]: options.group,
        [Attr.eventType]: deadLetter.eventType ?? 'unknown',
      });
      await publisher.publishRaw({
        topic: marks,
        key: markOf(deadLetter.partition, deadLetter.offset),
        value: null,
        headers: { 'tributary-redriven-at': new Date().toISOString() },
      });
      moved++;
    }
  } finally {
    if (!options.publisher) await publisher.close();
  }
  logger.info({ moved }, 'dead letters redriven');
  return { dryRun, deadLetters, moved };
}
