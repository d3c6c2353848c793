// Writing events to the outbox inside the transaction that changes the state they describe.
import { SpanKind } from '@opentelemetry/api';
import type { SqlExecutor } from '@tributary/database';
import { Attr, failSpan, tracer, withSpanHeaders } from '../telemetry/tracing.ts';
import { OutboxError } from './outbox-error.ts';

export interface OutboxMessage {
  /** Kind of entity the event is about, e.g. `user`. */
  aggregateType: string;
  /** The entity's id; events of one aggregate are published in commit order. */
  aggregateId: string;
  topic: string;
  /** Partition key, default `aggregateId`. */
  key?: string;
  /** Event type, e.g. `tributary.user.registered.v1` (kept for queries; put it in the headers too). */
  eventType: string;
  /** Serialized with JSON.stringify; the published value is that text in UTF-8. */
  payload: unknown;
  /** Message headers as published, e.g. the CloudEvents envelope (`ce_id` is what consumers' inboxes use). */
  headers?: Record<string, string>;
}

function invalid(message: string, cause?: unknown): OutboxError {
  return new OutboxError('OUTBOX_INVALID_MESSAGE', message, cause === undefined ? undefined : { cause });
}

function requireText(
  message: OutboxMessage,
  field: 'aggregateType' | 'aggregateId' | 'topic' | 'eventType',
): string {
  const value = message[field];
  if (typeof value !== 'string' || value === '')
    throw invalid(`outbox message ${field} must be a non-empty string`);
  return value;
}

function serializePayload(payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw invalid('outbox message payload cannot be serialized as JSON', error);
  }
  if (text === undefined)
    throw invalid('outbox message payload must be a JSON value (not undefined or a function)');
  return text;
}

function checkHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined) return {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw invalid('outbox message headers must be an object of strings');
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw invalid(`outbox message header ${name} must be a string`);
  }
  return headers as Record<string, string>;
}

/** A state change as one INSERT, UPDATE or DELETE statement with `$1..$n` parameters. */
export interface OutboxChange {
  sql: string;
  params: readonly unknown[];
}

const OUTBOX_COLUMNS = 'aggregate_type, aggregate_id, topic, key, event_type, payload, headers';

/**
 * Checks `message`, opens its `create` span (the message's creation context, which the row carries to the
 * relay's send) and runs `insert` with the row's seven values.
 */
async function insertRow(
  message: OutboxMessage,
  insert: (values: unknown[]) => Promise<{ id: string }>,
): Promise<{ id: string }> {
  if (typeof message !== 'object' || message === null) throw invalid('outbox message must be an object');
  const aggregateType = requireText(message, 'aggregateType');
  const aggregateId = requireText(message, 'aggregateId');
  const topic = requireText(message, 'topic');
  const eventType = requireText(message, 'eventType');
  const key = message.key ?? aggregateId;
  if (typeof key !== 'string') throw invalid('outbox message key must be a string');
  const checked = checkHeaders(message.headers);
  const payload = serializePayload(message.payload);
  const span = tracer.startSpan(`create ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [Attr.system]: 'kafka',
      [Attr.operationType]: 'create',
      [Attr.operationName]: 'outbox enqueue',
      [Attr.destination]: topic,
      [Attr.key]: key,
      [Attr.eventType]: eventType,
      ...(checked.ce_id === undefined ? {} : { [Attr.messageId]: checked.ce_id }),
      ...(checked['correlation-id'] === undefined ? {} : { [Attr.correlationId]: checked['correlation-id'] }),
    },
  });
  const headers = withSpanHeaders(checked, span);
  try {
    return await insert([
      aggregateType,
      aggregateId,
      topic,
      key,
      eventType,
      payload,
      JSON.stringify(headers),
    ]);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Adds `message` to the outbox through `tx`, the transaction that writes the state change: both commit or
 * neither does. The commit wakes the relay through a NOTIFY. Returns the row id (a bigint as text).
 */
async function enqueue(tx: SqlExecutor, message: OutboxMessage): Promise<{ id: string }> {
  return insertRow(message, async (values) => {
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id::text AS id`,
      values,
    );
    return { id: inserted.rows[0]!.id };
  });
}

/**
 * Runs `change` and adds `message` to the outbox in one statement (the change as a data-modifying WITH):
 * both happen or neither does, without a transaction, in one round trip to the database where `enqueue`
 * inside a transaction takes four (BEGIN, the change, the row, COMMIT). An error of the change (a unique
 * violation) comes out as the statement's. `ex` may be the database or a transaction.
 */
async function enqueueWith(
  ex: SqlExecutor,
  change: OutboxChange,
  message: OutboxMessage,
): Promise<{ id: string }> {
  if (typeof change?.sql !== 'string' || !Array.isArray(change.params)) {
    throw invalid('outbox change must have sql text and an array of params');
  }
  const first = change.params.length + 1;
  const placeholders = Array.from({ length: 7 }, (_, n) => `$${first + n}`);
  placeholders[6] = `${placeholders[6]}::jsonb`;
  return insertRow(message, async (values) => {
    const inserted = await ex.query<{ id: string }>(
      `WITH change AS (${change.sql})
       INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders.join(', ')}) RETURNING id::text AS id`,
      [...change.params, ...values],
    );
    return { id: inserted.rows[0]!.id };
  });
}

export const outbox = { enqueue, enqueueWith } as const;
