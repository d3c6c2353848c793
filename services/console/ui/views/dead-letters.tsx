// Dead letters: failure groups; the dead letters of one with their error, origin and headers; redrive (a
// dry run shown for confirmation), edit and redrive, discard.
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Confirm, Json, Loading, Problem } from '../components.tsx';
import { useApi } from '../hooks.ts';
import type { Message } from './message-list.tsx';
import { type RedriveJob, RedriveJobProgress } from './redrive-job.tsx';

interface FailureGroup {
  id: string;
  errorCode: string;
  eventType: string;
  originTopic: string;
  group: string;
  count: number;
  firstFailureAt: string | null;
  lastFailureAt: string | null;
  sampleError: string;
}
interface DeadLetter {
  dlq: string;
  partition: number;
  offset: string;
  errorCode: string;
  errorMessage: string;
  attempts: number | null;
  origin: { topic: string; partition: number | null; offset: string | null };
  eventType: string;
  eventId: string | null;
  lastFailureAt: string | null;
  redriven: number;
  failureGroup: string;
  message: Message;
}
interface Listing {
  groups: FailureGroup[];
  deadLetters: DeadLetter[];
  truncated: boolean;
}
interface ActionResult {
  items: { dlq: string; partition: number; offset: string }[];
  skipped: { reason: string }[];
}
type Pending =
  | { kind: 'redrive'; selection: Record<string, unknown>; preview: ActionResult }
  | { kind: 'discard'; selection: Record<string, unknown>; count: number }
  | { kind: 'edit'; item: DeadLetter; value: unknown };

const refOf = (d: DeadLetter) => ({ dlq: d.dlq, partition: d.partition, offset: d.offset });
const keyOf = (d: DeadLetter) => `${d.dlq}/${d.partition}@${d.offset}`;

export function DeadLettersView({ failureGroup }: { failureGroup: string | null }) {
  const listing = useApi<Listing>('/api/dead-letters', 3000);
  const [open, setOpen] = useState<string | null>(failureGroup);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [job, setJob] = useState<string | undefined>(undefined);
  useEffect(() => {
    // A job started earlier (in another tab, or before leaving this page) still shows its progress.
    api<{ jobs: RedriveJob[] }>('/api/redrive-jobs')
      .then(({ jobs }) => {
        const running = jobs.find((j) => j.state === 'running');
        if (running) setJob((shown) => shown ?? running.id);
      })
      .catch(() => {});
  }, []);
  const [editing, setEditing] = useState<{ item: DeadLetter; text: string } | undefined>(undefined);
  const shown = listing.data?.deadLetters.filter((d) => open === null || d.failureGroup === open) ?? [];
  const fail = (err: unknown) => {
    setPending(undefined);
    setError((err as Error).message);
  };
  const previewRedrive = async (selection: Record<string, unknown>) => {
    try {
      const preview = await api<ActionResult>('/api/dead-letters/redrive', {
        body: { ...selection, dryRun: true },
      });
      setError(undefined);
      setPending({ kind: 'redrive', selection, preview });
    } catch (err) {
      fail(err);
    }
  };
  const confirm = async () => {
    if (!pending) return;
    try {
      if (pending.kind === 'redrive') {
        const r = await api<ActionResult | { job: RedriveJob }>('/api/dead-letters/redrive', {
          body: { ...pending.selection, dryRun: false, confirm: true },
        });
        if ('job' in r) {
          // Too many for one request: it runs in the background and its progress is shown below.
          setJob(r.job.id);
          setDone(undefined);
        } else {
          setDone(
            `redriven: ${r.items.length}${r.skipped.length ? `, held back by the loop guard: ${r.skipped.length}` : ''}`,
          );
        }
      } else if (pending.kind === 'discard') {
        const r = await api<ActionResult>('/api/dead-letters/discard', {
          body: { ...pending.selection, confirm: true },
        });
        setDone(`discarded: ${r.items.length}`);
      } else {
        const r = await api<{ newEventId: string }>('/api/dead-letters/edit', {
          body: { item: refOf(pending.item), value: pending.value, confirm: true },
        });
        setDone(`sent an edited copy as event ${r.newEventId}`);
        setEditing(undefined);
      }
      setPending(undefined);
      setSelected(new Set());
      setError(undefined);
      void listing.reload();
    } catch (err) {
      fail(err);
    }
  };
  const selection = () => ({ items: shown.filter((d) => selected.has(keyOf(d))).map(refOf) });
  return (
    <section>
      <h2>Dead letters</h2>
      <Problem error={listing.error} />
      <Loading when={!listing.data && !listing.error} />
      {listing.data?.truncated && (
        <p class="problem">Only the first 10,000 dead letters of a topic are shown.</p>
      )}
      <table class="failure-groups">
        <thead>
          <tr>
            <th>error</th>
            <th>event type</th>
            <th>origin</th>
            <th>count</th>
            <th>first</th>
            <th>last</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {listing.data?.groups.map((g) => (
            <tr key={g.id} data-failure-group={g.id} class={open === g.id ? 'open' : ''}>
              <td>
                <a
                  href={`/dead-letters?group=${enc(g.id)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    history.replaceState(null, '', `/dead-letters?group=${enc(g.id)}`);
                    setOpen(g.id);
                  }}
                >
                  <code>{g.errorCode}</code>
                </a>
                <div class="muted">{g.sampleError}</div>
              </td>
              <td>{g.eventType}</td>
              <td>
                {g.originTopic} ({g.group})
              </td>
              <td class="count">{g.count}</td>
              <td>{g.firstFailureAt}</td>
              <td>{g.lastFailureAt}</td>
              <td>
                <button type="button" onClick={() => void previewRedrive({ failureGroup: g.id })}>
                  Redrive group
                </button>{' '}
                <button
                  type="button"
                  onClick={() =>
                    setPending({ kind: 'discard', selection: { failureGroup: g.id }, count: g.count })
                  }
                >
                  Discard group
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {listing.data && listing.data.groups.length === 0 && <p class="empty">No dead letters.</p>}
      <Problem error={error} />
      {done && <p class="ok">{done}</p>}
      {job && <RedriveJobProgress key={job} id={job} onEnd={() => void listing.reload()} />}
      {shown.length > 0 && (
        <>
          <h3>
            {shown.length} dead letter(s){' '}
            <button
              type="button"
              disabled={selected.size === 0}
              onClick={() => void previewRedrive(selection())}
            >
              Redrive selected
            </button>{' '}
            <button
              type="button"
              disabled={selected.size === 0}
              onClick={() => setPending({ kind: 'discard', selection: selection(), count: selected.size })}
            >
              Discard selected
            </button>
          </h3>
          {shown.map((d) => (
            <div class="dead-letter" key={keyOf(d)} data-event-id={d.eventId ?? ''}>
              <label>
                <input
                  type="checkbox"
                  checked={selected.has(keyOf(d))}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.currentTarget.checked) next.add(keyOf(d));
                    else next.delete(keyOf(d));
                    setSelected(next);
                  }}
                />{' '}
                <code>{d.errorCode}</code> {d.errorMessage}
              </label>
              <p class="muted">
                {d.eventType} · event {d.eventId} · from {d.origin.topic}/{d.origin.partition}@
                {d.origin.offset} · attempts {d.attempts ?? '?'} · redriven {d.redriven}× · {d.lastFailureAt}
                {d.message.traceId && (
                  <>
                    {' '}
                    · <a href={`/traces/${d.message.traceId}`}>trace</a>
                  </>
                )}
              </p>
              <details>
                <summary>headers and body</summary>
                <Json value={d.message.headers} />
                <Json value={d.message.json ?? d.message.text} />
              </details>
              <button
                type="button"
                onClick={() => setEditing({ item: d, text: JSON.stringify(d.message.json, null, 2) })}
              >
                Edit and redrive
              </button>
            </div>
          ))}
        </>
      )}
      {editing && (
        <div class="editor">
          <h3>Edit {editing.item.eventType}</h3>
          <p class="muted">Sent as a copy with a new event id, once the body matches the event's contract.</p>
          <textarea
            rows={12}
            cols={80}
            value={editing.text}
            onInput={(e) => setEditing({ ...editing, text: e.currentTarget.value })}
          />
          <div>
            <button
              type="button"
              onClick={() => {
                try {
                  setPending({ kind: 'edit', item: editing.item, value: JSON.parse(editing.text) });
                } catch {
                  setError('the edited body is not valid JSON');
                }
              }}
            >
              Send edited copy
            </button>{' '}
            <button type="button" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {pending && (
        <Confirm
          title={
            pending.kind === 'redrive'
              ? 'Redrive'
              : pending.kind === 'discard'
                ? 'Discard'
                : 'Send edited copy'
          }
          onConfirm={() => void confirm()}
          onCancel={() => setPending(undefined)}
        >
          {pending.kind === 'redrive' && (
            <p class="preview">
              {pending.preview.items.length} dead letter(s) will be sent back to their topic
              {pending.preview.skipped.length > 0 &&
                `; ${pending.preview.skipped.length} held back by the loop guard (${pending.preview.skipped[0].reason})`}
              .
            </p>
          )}
          {pending.kind === 'discard' && (
            <p class="preview">{pending.count} dead letter(s) will be discarded for good.</p>
          )}
          {pending.kind === 'edit' && (
            <p class="preview">An edited copy of event {pending.item.eventId} will be sent.</p>
          )}
        </Confirm>
      )}
    </section>
  );
}
