// Events as Kafka records (CloudEvents binary mode) and back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Type } from 'typebox';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { fromKafkaMessage, toKafkaMessage } from '../../src/envelope/kafka-message.ts';
import { SchemaInvalidError, UndecodableMessageError } from '../../src/errors.ts';
import type { TransportRecord } from '../../src/ports/transport.ts';

const NoteAdded = defineEvent({
  type: 'note.added',
  version: 2,
  topic: 'notes',
  key: 'noteId',
  schema: Type.Object({
    noteId: Type.String({ minLength: 1 }),
    text: Type.String(),
    tags: Type.Array(Type.String()),
  }),
});

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

function asRecord(message: ReturnType<typeof toKafkaMessage>, offset = 0n): TransportRecord {
  return { ...message, partition: 0, offset, timestamp: Date.now() };
}

describe('toKafkaMessage / fromKafkaMessage', () => {
  it('writes the CloudEvents headers, the aggregate id as key and the payload as JSON', () => {
    const message = toKafkaMessage(
      NoteAdded,
      { noteId: 'n-1', text: 'hello', tags: ['a'] },
      {
        source: '/notes-service',
        id: 'evt-1',
        time: new Date('2026-01-02T03:04:05.000Z'),
        correlationId: 'c-1',
      },
    );
    assert.equal(message.topic, 'notes');
    assert.equal(message.key, 'n-1');
    assert.deepEqual(JSON.parse(message.value.toString('utf8')), {
      noteId: 'n-1',
      text: 'hello',
      tags: ['a'],
    });
    const { traceparent, ...headers } = message.headers;
    assert.deepEqual(headers, {
      ce_id: 'evt-1',
      ce_type: 'tributary.note.added.v2',
      ce_source: '/notes-service',
      ce_specversion: '1.0',
      ce_time: '2026-01-02T03:04:05.000Z',
      ce_subject: 'n-1',
      'content-type': 'application/json',
      'correlation-id': 'c-1',
    });
    assert.match(traceparent, TRACEPARENT);
  });

  it('continues the caller trace with a new span, and starts a new trace per event otherwise', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const payload = { noteId: 'n', text: '', tags: [] };
    const child = toKafkaMessage(NoteAdded, payload, { source: '/s', traceparent: parent }).headers
      .traceparent;
    assert.match(child, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.notEqual(child.split('-')[2], '00f067aa0ba902b7', 'a child span, not the parent');
    const a = toKafkaMessage(NoteAdded, payload, { source: '/s' }).headers;
    const b = toKafkaMessage(NoteAdded, payload, { source: '/s' }).headers;
    assert.match(a.traceparent, TRACEPARENT);
    assert.notEqual(a.traceparent.split('-')[1], b.traceparent.split('-')[1]);
    assert.notEqual(a.ce_id, b.ce_id);
    assert.ok(a['correlation-id'], 'a correlation id is always set');
  });

  it('refuses a payload that does not match the definition with SCHEMA_INVALID', () => {
    assert.throws(
      () => toKafkaMessage(NoteAdded, { noteId: '', text: 1 }, { source: '/s' }),
      (err: unknown) => err instanceof SchemaInvalidError && err.code === 'SCHEMA_INVALID' && !err.retriable,
    );
  });

  it('reads back what it wrote (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ noteId: fc.string({ minLength: 1 }), text: fc.string(), tags: fc.array(fc.string()) }),
        fc.uuid(),
        fc.string({ minLength: 1 }),
        (payload, id, correlationId) => {
          const message = toKafkaMessage(NoteAdded, payload, { source: '/p', id, correlationId });
          const { envelope, payload: read } = fromKafkaMessage(asRecord(message));
          assert.deepEqual(read, { ...payload });
          assert.equal(envelope.id, id);
          assert.equal(envelope.type, NoteAdded.ceType);
          assert.equal(envelope.key, payload.noteId);
          assert.equal(envelope.correlationId, correlationId);
          assert.equal(envelope.traceparent, message.headers.traceparent);
        },
      ),
    );
  });

  it('reports a record that is not JSON or lacks CloudEvents headers as UNDECODABLE', () => {
    const good = toKafkaMessage(NoteAdded, { noteId: 'n', text: 't', tags: [] }, { source: '/s' });
    const broken: TransportRecord[] = [
      asRecord({ ...good, value: Buffer.from('{"noteId":') }),
      asRecord({ ...good, headers: { ...good.headers, ce_type: '' } }),
      asRecord({
        ...good,
        headers: Object.fromEntries(Object.entries(good.headers).filter(([h]) => h !== 'ce_id')),
      }),
      asRecord({ ...good, headers: { ...good.headers, 'content-type': 'application/avro' } }),
    ];
    for (const record of broken) {
      assert.throws(
        () => fromKafkaMessage(record),
        (err: unknown) => err instanceof UndecodableMessageError && err.code === 'UNDECODABLE',
      );
    }
  });
});
