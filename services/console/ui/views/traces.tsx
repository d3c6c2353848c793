// Traces: search by trace id, correlation id or event id; a trace's waterfall across services.
import { useState } from 'preact/hooks';
import { enc } from '../api.ts';
import { Json, Loading, Problem } from '../components.tsx';
import { useApi } from '../hooks.ts';
import { navigate } from '../router.ts';

interface Summary {
  traceId: string;
  rootName: string;
  services: string[];
  spans: number;
  startMs: number;
  durationMs: number;
  errors: number;
}
interface Span {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  startMs: number;
  endMs: number;
  status: { code: number; message: string };
  attributes: Record<string, unknown>;
}

export function TraceSearch({ query }: { query: URLSearchParams }) {
  const [form, setForm] = useState({
    by: query.has('eventId') ? 'eventId' : query.has('traceId') ? 'traceId' : 'correlationId',
    value: query.get('correlationId') ?? query.get('eventId') ?? query.get('traceId') ?? '',
  });
  const qs = query.toString();
  const found = useApi<{ traces: Summary[] }>(`/api/traces?${qs}`, 3000);
  return (
    <section>
      <h2>Traces</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(form.value ? `/traces?${form.by}=${enc(form.value.trim())}` : '/traces');
        }}
      >
        <select name="by" value={form.by} onChange={(e) => setForm({ ...form, by: e.currentTarget.value })}>
          <option value="correlationId">correlation id</option>
          <option value="eventId">event id</option>
          <option value="traceId">trace id</option>
        </select>
        <input
          name="value"
          value={form.value}
          onInput={(e) => setForm({ ...form, value: e.currentTarget.value })}
        />
        <button type="submit">Find</button>
      </form>
      <Problem error={found.error} />
      <table class="traces">
        <thead>
          <tr>
            <th>trace</th>
            <th>root</th>
            <th>services</th>
            <th>spans</th>
            <th>duration</th>
            <th>start</th>
          </tr>
        </thead>
        <tbody>
          {found.data?.traces.map((t) => (
            <tr key={t.traceId}>
              <td>
                <a href={`/traces/${t.traceId}`}>{t.traceId}</a>
              </td>
              <td>{t.rootName}</td>
              <td>{t.services.join(', ')}</td>
              <td>{t.spans}</td>
              <td>{t.durationMs.toFixed(1)} ms</td>
              <td>{new Date(t.startMs).toISOString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {found.data && found.data.traces.length === 0 && <p class="empty">No recent trace matches.</p>}
    </section>
  );
}

function depthOf(span: Span, byId: Map<string, Span>): number {
  let depth = 0;
  let current = span;
  while (current.parentSpanId && byId.has(current.parentSpanId) && depth < 50) {
    current = byId.get(current.parentSpanId) as Span;
    depth++;
  }
  return depth;
}

export function TraceView({ id }: { id: string }) {
  const trace = useApi<Summary & { spanList: Span[] }>(`/api/traces/${enc(id)}`);
  const [open, setOpen] = useState<string | null>(null);
  const t = trace.data;
  const byId = new Map((t?.spanList ?? []).map((s) => [s.spanId, s]));
  return (
    <section>
      <h2>Trace {id}</h2>
      <Problem error={trace.error} />
      <Loading when={!t && !trace.error} />
      {t && (
        <>
          <p>
            {t.rootName} · services <span class="services">{t.services.join(', ')}</span> · {t.spans} spans ·{' '}
            {t.durationMs.toFixed(1)} ms
          </p>
          <div class="waterfall">
            {t.spanList.map((s) => {
              const left = ((s.startMs - t.startMs) / Math.max(t.durationMs, 0.001)) * 100;
              const width = Math.max(0.5, ((s.endMs - s.startMs) / Math.max(t.durationMs, 0.001)) * 100);
              return (
                <div key={s.spanId} class="span-row">
                  <button
                    type="button"
                    class="span-label"
                    style={{ paddingLeft: `${depthOf(s, byId) * 12}px` }}
                    onClick={() => setOpen(open === s.spanId ? null : s.spanId)}
                  >
                    <span class="service">{s.service}</span> {s.name}
                  </button>
                  <div class="span-track">
                    <div
                      class={s.status.code === 2 ? 'span-bar error' : 'span-bar'}
                      style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }}
                      title={`${(s.endMs - s.startMs).toFixed(2)} ms`}
                    />
                  </div>
                  {open === s.spanId && <Json value={s.attributes} />}
                </div>
              );
            })}
          </div>
        </>
      )}
    </section>
  );
}
