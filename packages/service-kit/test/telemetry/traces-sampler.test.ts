// The sampler a service's OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, with the SDK as a service
// starts it: with `parentbased_traceidratio` at 0 a request that starts a trace records nothing, while one that
// continues a sampled trace (a `traceparent` from upstream) is traced, with its HTTP span in that trace.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import Fastify from 'fastify';
import { startTelemetry } from '../../src/telemetry/start-telemetry.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
// Before the app exists, as in the services' server.ts.
const telemetry = await startTelemetry({
  serviceName: 'sampler-test',
  spanProcessors: [processor],
  sampler: { name: 'parentbased_traceidratio', ratio: 0 },
});

async function eventually<T>(fn: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('traces sampler from the service config', () => {
  const app = Fastify();
  app.get('/things/:id', async () => ({ ok: true }));
  after(async () => {
    await app.close();
    await telemetry.shutdown();
  });

  it('records no trace a request starts at ratio 0, and traces one that continues a sampled trace', async () => {
    await app.ready();
    const unsampled = await app.inject('/things/1');
    assert.equal(unsampled.statusCode, 200);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const continued = await app.inject({
      url: '/things/2',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(continued.statusCode, 200);
    const span = await eventually(
      () => exporter.getFinishedSpans().find((s) => s.name === 'GET /things/:id'),
      'the HTTP span of the continued trace',
    );
    assert.equal(span.spanContext().traceId, traceId);
    assert.equal(span.resource.attributes['service.name'], 'sampler-test');
    await processor.forceFlush();
    assert.deepEqual(
      exporter.getFinishedSpans().map((s) => s.spanContext().traceId),
      [traceId],
      'only the continued trace was recorded',
    );
  });
});
