// Telemetry of a service with nowhere to send spans (no OTLP endpoint, no span processor: the default):
// spans record nothing, yet every hop still continues its trace. A consumed event's handler logs with the
// trace and span ids, the events it publishes carry a traceparent in the sender's trace with the sampled
// flag the sender chose (a downstream service that exports keeps or drops the trace as upstream decided),
// and an HTTP request continues the trace of its traceparent header.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { ConsumerRunner, createEventRegistry, defineEvent, EventPublisher } from '@tributary/messaging';
import { createInMemoryTransport, waitFor } from '@tributary/messaging/testing';
import { Type } from 'typebox';
import { createApp } from '../../src/http/create-app.ts';
import { createLogger } from '../../src/logging/create-logger.ts';
import { startTelemetry } from '../../src/telemetry/start-telemetry.ts';

const telemetry = await startTelemetry({ serviceName: 'context-only-test' });

const Asked = defineEvent({
  type: 'test.asked',
  version: 1,
  topic: 'questions',
  key: 'id',
  schema: Type.Object({ id: Type.String() }),
});
const Answered = defineEvent({
  type: 'test.answered',
  version: 1,
  topic: 'answers',
  key: 'id',
  schema: Type.Object({ id: Type.String() }),
});
const registry = createEventRegistry([Asked, Answered]);

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SENDER_SPAN = '00f067aa0ba902b7';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ name: 'context-only-test', destination }) };
}

const parts = (traceparent: string | undefined) => {
  const [, traceId, spanId, flags] = (traceparent ?? '').split('-');
  return { traceId, spanId, flags };
};

after(() => telemetry.shutdown());

describe('telemetry without an exporter', () => {
  it('makes spans that record nothing and carry their trace, a new span id and the sampling decision', () => {
    const tracer = trace.getTracer('test');
    const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
    assert.equal(root.isRecording(), false);
    assert.ok(trace.isSpanContextValid(root.spanContext()), 'a valid trace and span id');
    assert.equal(root.spanContext().traceFlags, TraceFlags.SAMPLED, 'the default sampler keeps new traces');

    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root));
    assert.equal(child.spanContext().traceId, root.spanContext().traceId);
    assert.notEqual(child.spanContext().spanId, root.spanContext().spanId);

    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: SENDER_SPAN,
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const unsampled = tracer.startSpan('child of an unsampled parent', {}, unsampledParent);
    assert.equal(unsampled.spanContext().traceId, TRACE);
    assert.equal(unsampled.spanContext().traceFlags, TraceFlags.NONE, 'the parent-based sampler follows it');
  });

  for (const flags of ['01', '00'] as const) {
    it(`continues a consumed event's trace (flags ${flags}) into the handler's logs and the events it publishes`, async (t) => {
      const transport = createInMemoryTransport();
      const { lines, logger } = capture();
      const publisher = new EventPublisher({ transport, source: '/test', registry, logger });
      const runner = new ConsumerRunner({ transport, group: `answerers-${flags}`, registry, logger });
      t.after(async () => {
        await runner.stop();
        await publisher.close();
        await transport.close();
      });
      runner.subscribe(Asked, async (event, { logger: handlerLogger }) => {
        handlerLogger.info('answering');
        await publisher.publishEvent(Answered, { id: event.data.id });
      });
      await runner.start();
      // As an upstream service sends it, outside any span of this process.
      await context.with(ROOT_CONTEXT, () =>
        publisher.publishEvent(Asked, { id: 'q1' }, { traceparent: `00-${TRACE}-${SENDER_SPAN}-${flags}` }),
      );
      await waitFor(async () => (await transport.readTopic('answers')).length === 1, 'the answer');

      const [answer] = await transport.readTopic('answers');
      const sent = parts(answer!.headers.traceparent);
      assert.equal(sent.traceId, TRACE, 'the answer is in the question sender’s trace');
      assert.equal(sent.flags, flags, 'with the sampled flag the sender chose');
      assert.match(sent.spanId ?? '', /^[0-9a-f]{16}$/);
      assert.notEqual(sent.spanId, SENDER_SPAN, 'a span of its own');

      const line = lines.find((l) => l.msg === 'answering');
      assert.ok(line, 'the handler logged');
      assert.equal(line.trace_id, TRACE);
      assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
      assert.notEqual(line.span_id, SENDER_SPAN, "the consumer's own span, child of the sender's");
      assert.notEqual(line.span_id, sent.spanId, 'the send is a span of its own, child of the process span');
    });
  }

  it("continues an HTTP request's traceparent in its log lines", async (t) => {
    const { lines, logger } = capture();
    const app = await createApp({ logger });
    t.after(() => app.close());
    app.get('/hello', async (request) => {
      request.log.info('saying hello');
      return { hello: 'world' };
    });
    const response = await app.inject({
      method: 'GET',
      url: '/hello',
      headers: { traceparent: `00-${TRACE}-${SENDER_SPAN}-01` },
    });
    assert.equal(response.statusCode, 200);
    const line = lines.find((l) => l.msg === 'saying hello');
    assert.ok(line, 'the handler logged');
    assert.equal(line.trace_id, TRACE);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(line.span_id, SENDER_SPAN);
  });
});
