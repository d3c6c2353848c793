// The OTLP/HTTP JSON receiver and trace search: spans of two services found by trace, correlation and event
// id; bad payloads rejected with a clear 400; the store stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceStore } from '../../src/traces/trace-store.ts';
import { useConsole } from '../support/console-fixture.ts';
import { otlp } from '../support/otlp-fixture.ts';

const fx = useConsole({ tracesMax: 10 });

describe('traces API', { timeout: 60_000 }, () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('receives OTLP JSON and finds the trace by correlation id, event id and trace id', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: otlp(traceId, 'corr-1', 'event-1'),
    });
    assert.equal(res.statusCode, 200);
    for (const q of ['correlationId=corr-1', 'eventId=event-1', `traceId=${traceId.toUpperCase()}`]) {
      const found = (await fx.app.inject(`/api/traces?${q}`)).json().traces;
      assert.equal(found.length, 1, q);
      assert.deepEqual(found[0].services, ['order-service', 'user-service']);
      assert.equal(found[0].rootName, 'POST /users');
      assert.equal(found[0].errors, 1);
    }
    assert.deepEqual((await fx.app.inject('/api/traces?correlationId=other')).json().traces, []);
    const trace = (await fx.app.inject(`/api/traces/${traceId}`)).json();
    assert.deepEqual(
      trace.spanList.map((s: { name: string }) => s.name),
      ['POST /users', 'users publish', 'users process'],
    );
    assert.ok(Math.abs(trace.durationMs - 55) < 1);
  });

  it('answers 404 for an unknown trace and 400 for payloads that are not OTLP JSON', async () => {
    const missing = await fx.app.inject('/api/traces/00000000000000000000000000000001');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'TRACE_NOT_FOUND');
    const bad: [unknown, RegExp][] = [
      [{ spans: [] }, /resourceSpans/],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '1111111111111111' }] }] }] },
        /traceId/,
      ],
      [
        {
          resourceSpans: [
            { scopeSpans: [{ spans: [{ traceId, spanId: '1111111111111111', startTimeUnixNano: 'soon' }] }] },
          ],
        },
        /startTimeUnixNano/,
      ],
    ];
    for (const [payload, detail] of bad) {
      const res = await fx.app.inject({ method: 'POST', url: '/v1/traces', payload: payload as object });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'INVALID_OTLP');
      assert.match(res.json().detail, detail);
    }
    const protobuf = await fx.app.inject({
      method: 'POST',
      url: '/v1/traces',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([1, 2, 3]),
    });
    assert.equal(protobuf.statusCode, 400);
    assert.match(protobuf.json().detail, /http\/json/);
  });

  it('keeps only the newest traces and drops their index entries', () => {
    const store = new TraceStore({ maxTraces: 3, maxSpansPerTrace: 10 });
    for (let i = 0; i < 5; i++) {
      store.add([
        {
          traceId: String(i).padStart(32, '0'),
          spanId: '1111111111111111',
          parentSpanId: null,
          name: `t${i}`,
          kind: 0,
          service: 's',
          startMs: i,
          endMs: i + 1,
          status: { code: 0, message: '' },
          attributes: { 'correlation.id': `c${i}` },
        },
      ]);
    }
    assert.equal(store.size, 3);
    assert.deepEqual(store.find({ correlationId: 'c0' }), []);
    assert.equal(store.find({ correlationId: 'c4' }).length, 1);
  });
});
