// The envelope: events built in a message context continue its flow; records that are not JSON CloudEvents
// are refused with UNDECODABLE; traceparent values are checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { createEvent, decodeEvent, encodeEvent } from '../../src/envelope/cloud-event.ts';
import { runWithMessageContext } from '../../src/envelope/message-context.ts';
import { childTraceparent, parseTraceparent } from '../../src/envelope/trace-context.ts';
import { UndecodableMessageError } from '../../src/errors.ts';
import type { TransportRecord } from '../../src/ports/transport.ts';

const Pinged = defineEvent({
  type: 'test.host.pinged',
  version: 1,
  topic: 'pings',
  key: 'host',
  schema: Type.Object({ host: Type.String() }),
});

function asRecord(raw: ReturnType<typeof encodeEvent>): TransportRecord {
  return { ...raw, partition: 0, offset: 0n, timestamp: 0 };
}

describe('CloudEvents envelope', () => {
  it('continues the correlation id and trace of the message being handled', () => {
    const parent = '00-11111111111111111111111111111111-2222222222222222-01';
    const event = runWithMessageContext({ correlationId: 'c-1', traceparent: parent }, () =>
      createEvent(Pinged, { host: 'a' }),
    );
    assert.equal(event.correlationId, 'c-1');
    assert.equal(parseTraceparent(event.traceparent)?.traceId, '11111111111111111111111111111111');
    assert.notEqual(parseTraceparent(event.traceparent)?.parentId, '2222222222222222');
    const fresh = createEvent(Pinged, { host: 'a' });
    assert.notEqual(fresh.correlationId, 'c-1');
    assert.ok(parseTraceparent(fresh.traceparent), 'a new trace');
  });

  it('reads back what it writes', () => {
    const event = createEvent(Pinged, { host: 'db-1' }, { source: '/probe', time: new Date(0) });
    const decoded = decodeEvent(asRecord(encodeEvent(event)));
    assert.deepEqual(decoded, event);
  });

  it('refuses records that are not JSON CloudEvents', () => {
    const good = asRecord(encodeEvent(createEvent(Pinged, { host: 'a' })));
    const variants: [string, TransportRecord][] = [
      ['not JSON', { ...good, value: Buffer.from('<xml/>') }],
      ['no value', { ...good, value: null }],
      ['no ce_id', { ...good, headers: { ...good.headers, ce_id: '' } }],
      ['other specversion', { ...good, headers: { ...good.headers, ce_specversion: '0.3' } }],
      ['other content type', { ...good, headers: { ...good.headers, 'content-type': 'application/avro' } }],
    ];
    for (const [why, record] of variants) {
      assert.throws(() => decodeEvent(record), UndecodableMessageError, why);
    }
  });

  it('accepts only well-formed traceparent values', () => {
    assert.equal(parseTraceparent('00-00000000000000000000000000000000-2222222222222222-01'), undefined);
    assert.equal(parseTraceparent('00-abc-def-01'), undefined);
    assert.match(childTraceparent('garbage'), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
