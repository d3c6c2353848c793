// The tracer of a process with nowhere to send spans: each span is a trace context alone, sampled as the
// configured sampler (OTEL_TRACES_SAMPLER) decides, as the SDK's spans would be.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTraceState, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { contextOnlyTracerProvider } from '../../src/telemetry/context-only-tracer.ts';
import { tracesSampler } from '../../src/telemetry/traces-sampler.ts';

const remoteParent = (flags: TraceFlags) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: flags,
    traceState: createTraceState('vendor=value'),
    isRemote: true,
  });

describe('context-only tracer', () => {
  it('keeps the sampled flag of a remote parent and drops new traces under parentbased_traceidratio 0', () => {
    const tracer = contextOnlyTracerProvider(tracesSampler('parentbased_traceidratio', 0)).getTracer('test');
    const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
    assert.ok(trace.isSpanContextValid(root.spanContext()), 'an unsampled span still has ids to propagate');
    assert.equal(root.spanContext().traceFlags, TraceFlags.NONE);
    const sampled = tracer.startSpan('child', {}, remoteParent(TraceFlags.SAMPLED));
    assert.equal(sampled.spanContext().traceFlags, TraceFlags.SAMPLED);
    assert.equal(sampled.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(sampled.isRecording(), false);
  });

  it('gives a span the sampled flag and trace state of its parent when the sampler is parent-based', () => {
    for (const name of ['parentbased_always_on', 'parentbased_always_off'] as const) {
      const tracer = contextOnlyTracerProvider(tracesSampler(name), true).getTracer('test');
      for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
        const span = tracer.startSpan('child', {}, remoteParent(flags));
        assert.equal(span.spanContext().traceFlags, flags, `${name}, parent flags ${flags}`);
        assert.equal(span.spanContext().traceState?.get('vendor'), 'value');
      }
      const root = tracer.startSpan('root', {}, ROOT_CONTEXT);
      assert.equal(
        root.spanContext().traceFlags,
        name === 'parentbased_always_on' ? TraceFlags.SAMPLED : TraceFlags.NONE,
        `${name} decides new traces with its root sampler`,
      );
    }
  });

  it('samples every span under always_on, whatever the parent decided', () => {
    const tracer = contextOnlyTracerProvider(tracesSampler('always_on')).getTracer('test');
    const span = tracer.startSpan('child', {}, remoteParent(TraceFlags.NONE));
    assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED);
  });

  it('makes new span ids and new traces for spans without a parent or marked root', () => {
    const tracer = contextOnlyTracerProvider(tracesSampler()).getTracer('test');
    const parent = remoteParent(TraceFlags.SAMPLED);
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) ids.add(tracer.startSpan('child', {}, parent).spanContext().spanId);
    assert.equal(ids.size, 100);
    const root = tracer.startSpan('root', { root: true }, parent);
    assert.notEqual(root.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('makes no span where tracing is suppressed', () => {
    const tracer = contextOnlyTracerProvider(tracesSampler()).getTracer('test');
    const span = tracer.startSpan('exporting', {}, suppressTracing(remoteParent(TraceFlags.SAMPLED)));
    assert.equal(trace.isSpanContextValid(span.spanContext()), false);
  });

  it('runs a startActiveSpan callback with its span active', () => {
    const tracer = contextOnlyTracerProvider(tracesSampler()).getTracer('test');
    const seen = tracer.startActiveSpan('active', {}, remoteParent(TraceFlags.SAMPLED), (span) => span);
    assert.equal(seen.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
