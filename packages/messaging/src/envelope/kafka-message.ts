// One call from an event to the Kafka record that carries it (CloudEvents binary mode) and back, for code
// that writes records itself: the outbox (enqueue the record's parts) and raw consumers.
import type { Clock } from '../clock.ts';
import { type ContractDefinition, fromContract } from '../contracts/contract-adapter.ts';
import type { AnyEventDefinition } from '../contracts/define-event.ts';
import type { TransportRecord } from '../ports/transport.ts';
import { createEvent, decodeEvent, type EventEnvelope, encodeEvent } from './cloud-event.ts';

/** A record ready to publish; also what the outbox relay publishes. */
export interface OutgoingMessage {
  topic: string;
  /** The aggregate id (`definition.keyOf(payload)`). */
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface ToKafkaMessageOptions {
  /** ce_source, e.g. `/user-service`. */
  source: string;
  /** ce_id; a random UUID by default. Give the same id when publishing the same event again. */
  id?: string;
  time?: Date;
  /** The caller's span; the record gets a child span. A new trace is started when there is none. */
  traceparent?: string;
  /** Continues the current message's correlation id, else a new one, when not given. */
  correlationId?: string;
  clock?: Clock;
}

/**
 * Validates `payload` against `definition` (SchemaInvalidError, code SCHEMA_INVALID, otherwise) and builds its
 * record: JSON value, key from `keyOf`, headers ce_id, ce_type, ce_source, ce_specversion, ce_time,
 * ce_subject, content-type, traceparent and correlation-id.
 */
export function toKafkaMessage(
  definition: ContractDefinition | AnyEventDefinition,
  payload: unknown,
  options: ToKafkaMessageOptions,
): OutgoingMessage {
  const event = createEvent(fromContract(definition), payload, options);
  const message = encodeEvent(event);
  return { topic: message.topic, key: event.key, value: message.value!, headers: message.headers };
}

export interface DecodedKafkaMessage {
  envelope: EventEnvelope<unknown>;
  /** The parsed JSON value, not validated (validate it against the definition of `envelope.type`). */
  payload: unknown;
}

/** Reads a record back; throws UndecodableMessageError (code UNDECODABLE) for non-JSON or missing ce headers. */
export function fromKafkaMessage(record: TransportRecord): DecodedKafkaMessage {
  const envelope = decodeEvent(record);
  return { envelope, payload: envelope.data };
}
