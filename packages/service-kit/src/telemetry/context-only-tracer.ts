// The tracer provider of a process whose spans nobody can read (no exporter, no span processor): each span
// is the trace context alone, a new span id in the trace of its parent with the sampled flag the sampler
// gives it, and records nothing. Logs still carry trace_id/span_id, published events and outgoing requests
// still carry a traceparent, and a service downstream that exports continues the same trace with the
// sampling decision made upstream; what the SDK's recording spans would add (timestamps, attribute
// copies and checks, events, a span object handed to processors that drop it) costs CPU on every message
// and request for nothing.
import {
  type Context,
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  SamplingDecision,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { RandomIdGenerator, type Sampler } from '@opentelemetry/sdk-trace';

const NO_LINKS: never[] = [];
const NO_ATTRIBUTES = Object.freeze({});

class ContextOnlyTracer implements Tracer {
  readonly #sampler: Sampler;
  readonly #parentDecides: boolean;
  readonly #ids = new RandomIdGenerator();

  constructor(sampler: Sampler, parentDecides: boolean) {
    this.#sampler = sampler;
    this.#parentDecides = parentDecides;
  }

  startSpan(name: string, options: SpanOptions = {}, parent: Context = contextApi.active()): Span {
    const context = options.root === true ? trace.deleteSpan(parent) : parent;
    if (isTracingSuppressed(context)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parentSpan = trace.getSpanContext(context);
    const valid = parentSpan !== undefined && trace.isSpanContextValid(parentSpan);
    if (valid && this.#parentDecides) {
      // A parent-based sampler keeps the parent's decision: no need to ask it (most spans have a parent).
      const spanContext: SpanContext = {
        traceId: parentSpan.traceId,
        spanId: this.#ids.generateSpanId(),
        traceFlags: parentSpan.traceFlags & TraceFlags.SAMPLED,
      };
      if (parentSpan.traceState !== undefined) spanContext.traceState = parentSpan.traceState;
      return trace.wrapSpanContext(spanContext);
    }
    const traceId = valid ? parentSpan.traceId : this.#ids.generateTraceId();
    const result = this.#sampler.shouldSample(
      context,
      traceId,
      name,
      options.kind ?? SpanKind.INTERNAL,
      options.attributes ?? NO_ATTRIBUTES,
      options.links ?? NO_LINKS,
    );
    const spanContext: SpanContext = {
      traceId,
      spanId: this.#ids.generateSpanId(),
      traceFlags:
        result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    };
    const traceState = result.traceState ?? (valid ? parentSpan.traceState : undefined);
    if (traceState !== undefined) spanContext.traceState = traceState;
    return trace.wrapSpanContext(spanContext);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    context: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest.at(-1) as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * A provider whose tracers all make context-only spans, sampled as `sampler` decides. `parentDecides` says
 * that `sampler` is parent-based with the default samplers for spans with a parent (the `parentbased_*`
 * samplers of OTEL_TRACES_SAMPLER): such a span takes its parent's sampled flag.
 */
export function contextOnlyTracerProvider(sampler: Sampler, parentDecides = false): TracerProvider {
  const tracer = new ContextOnlyTracer(sampler, parentDecides);
  return { getTracer: () => tracer };
}
