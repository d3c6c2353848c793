// Events on the wire: CloudEvents 1.0, Kafka protocol binding, binary content mode
// (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md):
// attributes in `ce_*` headers, the JSON payload as the record value, the aggregate id as the key.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { AnyEventDefinition, EventData } from '../contracts/define-event.ts';
import { MessagingArgumentError, UndecodableMessageError } from '../errors.ts';
import type { RawMessage, TransportRecord } from '../ports/transport.ts';
import { currentMessageContext } from './message-context.ts';
import { childTraceparent, parseTraceparent } from './trace-context.ts';

export const Headers = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  specversion: 'ce_specversion',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  traceparent: 'traceparent',
  correlationId: 'correlation-id',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';

export interface EventEnvelope<T = unknown> {
  /** ce_id: unique per event; consumers deduplicate on it. */
  id: string;
  /** ce_type, e.g. `tributary.user.registered.v1`. */
  type: string;
  /** ce_source: the producing service, e.g. `/user-service`. */
  source: string;
  specversion: '1.0';
  /** ce_time, RFC 3339. */
  time: string;
  /** ce_subject: the aggregate id (also the record key). */
  subject: string;
  topic: string;
  key: string;
  traceparent: string;
  correlationId: string;
  data: T;
}

export interface CreateEventOptions {
  /** ce_source; defaults to `/tributary`. */
  source?: string;
  id?: string;
  time?: Date;
  correlationId?: string;
  /** traceparent of the caller's span; the event gets a child span. */
  traceparent?: string;
  clock?: Clock;
}

/**
 * Builds the envelope of a new event after validating `data` (SCHEMA_INVALID otherwise). Correlation id and
 * trace continue those of the message or request being handled, if any.
 */
export function createEvent<D extends AnyEventDefinition>(
  definition: D,
  data: EventData<D>,
  options: CreateEventOptions = {},
): EventEnvelope<EventData<D>> {
  definition.validate(data);
  const context = currentMessageContext();
  const key = definition.keyOf(data);
  return {
    id: options.id ?? randomUUID(),
    type: definition.ceType,
    source: options.source ?? '/tributary',
    specversion: '1.0',
    time: (options.time ?? new Date((options.clock ?? systemClock).now())).toISOString(),
    subject: key,
    topic: definition.topic,
    key,
    traceparent: childTraceparent(options.traceparent ?? context?.traceparent),
    correlationId: options.correlationId ?? context?.correlationId ?? randomUUID(),
    data,
  };
}

/** The record for an envelope: JSON value, `ce_*` headers, aggregate id as key. */
export function encodeEvent(event: EventEnvelope): RawMessage {
  if (!event.topic || !event.key || !event.id || !event.type) {
    throw new MessagingArgumentError('an event needs topic, key, id and type');
  }
  return {
    topic: event.topic,
    key: event.key,
    value: Buffer.from(JSON.stringify(event.data)),
    headers: {
      [Headers.id]: event.id,
      [Headers.type]: event.type,
      [Headers.source]: event.source,
      [Headers.specversion]: event.specversion,
      [Headers.time]: event.time,
      [Headers.subject]: event.subject,
      [Headers.contentType]: JSON_CONTENT_TYPE,
      [Headers.traceparent]: event.traceparent,
      [Headers.correlationId]: event.correlationId,
    },
  };
}

function required(record: TransportRecord, name: string): string {
  const value = record.headers[name];
  if (value === undefined || value === '') {
    throw new UndecodableMessageError(`record has no ${name} header`);
  }
  return value;
}

/** Reads a record back into an envelope; UNDECODABLE when it is not a JSON CloudEvent. */
export function decodeEvent(record: TransportRecord): EventEnvelope<unknown> {
  const id = required(record, Headers.id);
  const type = required(record, Headers.type);
  const specversion = required(record, Headers.specversion);
  if (specversion !== '1.0') throw new UndecodableMessageError(`unsupported ce_specversion ${specversion}`);
  const contentType = record.headers[Headers.contentType];
  if (contentType !== undefined && !contentType.toLowerCase().startsWith(JSON_CONTENT_TYPE)) {
    throw new UndecodableMessageError(`unsupported content-type ${contentType}`);
  }
  if (record.value === null || record.value.length === 0) {
    throw new UndecodableMessageError('record has no value');
  }
  let data: unknown;
  try {
    data = JSON.parse(record.value.toString('utf8'));
  } catch (err) {
    throw new UndecodableMessageError(`record value is not JSON: ${(err as Error).message}`, err);
  }
  const key = record.key ?? record.headers[Headers.subject] ?? '';
  const traceparent = record.headers[Headers.traceparent];
  return {
    id,
    type,
    source: record.headers[Headers.source] ?? '',
    specversion: '1.0',
    time: record.headers[Headers.time] ?? new Date(record.timestamp).toISOString(),
    subject: record.headers[Headers.subject] ?? key,
    topic: record.topic,
    key,
    traceparent: parseTraceparent(traceparent) ? (traceparent as string) : '',
    correlationId: record.headers[Headers.correlationId] ?? '',
    data,
  };
}
