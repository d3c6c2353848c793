// Recent traces, bounded: the oldest trace is dropped when a new one would exceed `maxTraces`, and a trace
// keeps at most `maxSpansPerTrace` spans. Traces are found by trace id, correlation id or event id (span
// attributes the services set; several common names are indexed).
import type { SpanRecord } from './otlp-json.ts';

export const CORRELATION_ATTRIBUTES = [
  'correlation.id',
  'correlation_id',
  'tributary.correlation_id',
  'tributary.correlation.id',
  'app.correlation_id',
  'messaging.message.conversation_id',
] as const;

export const EVENT_ID_ATTRIBUTES = [
  'messaging.message.id',
  'cloudevents.event_id',
  'event.id',
  'tributary.event.id',
  'tributary.event_id',
] as const;

export interface TraceSummary {
  traceId: string;
  rootName: string;
  services: string[];
  spans: number;
  startMs: number;
  durationMs: number;
  errors: number;
}

interface StoredTrace {
  spans: SpanRecord[];
  correlationIds: Set<string>;
  eventIds: Set<string>;
}

export class TraceStore {
  readonly #traces = new Map<string, StoredTrace>();
  readonly #byCorrelation = new Map<string, Set<string>>();
  readonly #byEvent = new Map<string, Set<string>>();
  readonly #maxTraces: number;
  readonly #maxSpans: number;

  constructor(options: { maxTraces: number; maxSpansPerTrace: number }) {
    this.#maxTraces = options.maxTraces;
    this.#maxSpans = options.maxSpansPerTrace;
  }

  get size(): number {
    return this.#traces.size;
  }

  add(spans: readonly SpanRecord[]): { accepted: number; rejected: number } {
    let accepted = 0;
    let rejected = 0;
    for (const span of spans) {
      let trace = this.#traces.get(span.traceId);
      if (!trace) {
        trace = { spans: [], correlationIds: new Set(), eventIds: new Set() };
        this.#traces.set(span.traceId, trace);
        this.#evict();
      }
      if (trace.spans.length >= this.#maxSpans || trace.spans.some((s) => s.spanId === span.spanId)) {
        rejected++;
        continue;
      }
      trace.spans.push(span);
      accepted++;
      this.#index(span, CORRELATION_ATTRIBUTES, trace.correlationIds, this.#byCorrelation);
      this.#index(span, EVENT_ID_ATTRIBUTES, trace.eventIds, this.#byEvent);
    }
    return { accepted, rejected };
  }

  #index(
    span: SpanRecord,
    names: readonly string[],
    own: Set<string>,
    index: Map<string, Set<string>>,
  ): void {
    for (const name of names) {
      const value = span.attributes[name];
      if (typeof value !== 'string' || value === '') continue;
      own.add(value);
      const ids = index.get(value) ?? new Set();
      ids.add(span.traceId);
      index.set(value, ids);
    }
  }

  #evict(): void {
    while (this.#traces.size > this.#maxTraces) {
      const oldest = this.#traces.keys().next().value as string;
      const trace = this.#traces.get(oldest);
      this.#traces.delete(oldest);
      for (const [values, index] of [
        [trace?.correlationIds, this.#byCorrelation],
        [trace?.eventIds, this.#byEvent],
      ] as const) {
        for (const value of values ?? []) {
          const ids = index.get(value);
          ids?.delete(oldest);
          if (ids?.size === 0) index.delete(value);
        }
      }
    }
  }

  get(traceId: string): SpanRecord[] | undefined {
    const trace = this.#traces.get(traceId.toLowerCase());
    return trace ? [...trace.spans].sort((a, b) => a.startMs - b.startMs) : undefined;
  }

  summary(traceId: string): TraceSummary | undefined {
    const spans = this.get(traceId);
    if (!spans || spans.length === 0) return undefined;
    const ids = new Set(spans.map((s) => s.spanId));
    const root = spans.find((s) => s.parentSpanId === null || !ids.has(s.parentSpanId)) ?? spans[0];
    const start = Math.min(...spans.map((s) => s.startMs));
    const end = Math.max(...spans.map((s) => s.endMs));
    return {
      traceId: root.traceId,
      rootName: root.name,
      services: [...new Set(spans.map((s) => s.service))].sort(),
      spans: spans.length,
      startMs: start,
      durationMs: end - start,
      errors: spans.filter((s) => s.status.code === 2).length,
    };
  }

  /** Summaries of traces matching every given criterion, newest first; all recent ones when none is given. */
  find(query: {
    traceId?: string;
    correlationId?: string;
    eventId?: string;
    limit?: number;
  }): TraceSummary[] {
    let ids: string[] = [...this.#traces.keys()];
    if (query.traceId !== undefined) ids = ids.filter((id) => id === query.traceId?.toLowerCase());
    if (query.correlationId !== undefined) {
      const found = this.#byCorrelation.get(query.correlationId) ?? new Set();
      ids = ids.filter((id) => found.has(id));
    }
    if (query.eventId !== undefined) {
      const found = this.#byEvent.get(query.eventId) ?? new Set();
      ids = ids.filter((id) => found.has(id));
    }
    return ids
      .map((id) => this.summary(id))
      .filter((s): s is TraceSummary => s !== undefined)
      .sort((a, b) => b.startMs - a.startMs)
      .slice(0, query.limit ?? 100);
  }
}
