// A topic: partitions with offsets, configs, a page browser for one partition and a live tail.
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Loading, Problem, Size } from '../components.tsx';
import { useApi } from '../hooks.ts';
import { navigate } from '../router.ts';
import { type Message, MessageItem } from './message-list.tsx';

interface Topic {
  name: string;
  size: number | null;
  sizeUnknownReason: string | null;
  partitions: {
    partition: number;
    leader: number | null;
    start: string;
    end: string;
    messages: number;
    size: number | null;
  }[];
  configs: { name: string; value: string | null; default: boolean }[];
}
interface Page {
  start: string;
  end: string;
  from: string;
  nextOffset: string | null;
  scanned: number;
  messages: Message[];
}

export function TopicView({
  name,
  partition,
  query,
}: {
  name: string;
  partition?: number;
  query: URLSearchParams;
}) {
  const topic = useApi<Topic>(`/api/topics/${enc(name)}`);
  const [tail, setTail] = useState<Message[] | null>(null);
  useEffect(() => {
    if (tail === null) return;
    const source = new EventSource(`/api/topics/${enc(name)}/tail`);
    source.addEventListener('message', (e) =>
      setTail((list) => [JSON.parse((e as MessageEvent).data) as Message, ...(list ?? [])].slice(0, 200)),
    );
    return () => source.close();
  }, [tail === null, name]);
  return (
    <section>
      <h2>Topic {name}</h2>
      <Problem error={topic.error} />
      <Loading when={!topic.data && !topic.error} />
      {topic.data && (
        <p class="topic-size">
          size <Size bytes={topic.data.size} reason={topic.data.sizeUnknownReason} />
          {topic.data.sizeUnknownReason && <span class="muted"> ({topic.data.sizeUnknownReason})</span>}
        </p>
      )}
      {topic.data && (
        <table class="partitions">
          <thead>
            <tr>
              <th>partition</th>
              <th>leader</th>
              <th>first</th>
              <th>next</th>
              <th>messages</th>
              <th>size</th>
            </tr>
          </thead>
          <tbody>
            {topic.data.partitions.map((p) => (
              <tr key={p.partition}>
                <td>
                  <a href={`/topics/${enc(name)}/partitions/${p.partition}`}>{p.partition}</a>
                </td>
                <td>{p.leader}</td>
                <td>{p.start}</td>
                <td>{p.end}</td>
                <td>{p.messages}</td>
                <td>
                  <Size bytes={p.size} reason={topic.data?.sizeUnknownReason} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" onClick={() => setTail(tail === null ? [] : null)}>
          {tail === null ? 'Live tail' : 'Stop tail'}
        </button>
      </p>
      {tail !== null && (
        <div class="tail">
          <h3>Live tail ({tail.length})</h3>
          {tail.map((m) => (
            <MessageItem key={`${m.partition}@${m.offset}`} m={m} />
          ))}
        </div>
      )}
      {partition !== undefined && <PartitionPager name={name} partition={partition} query={query} />}
      {topic.data && (
        <details>
          <summary>Configs</summary>
          <table>
            <tbody>
              {topic.data.configs.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>{c.value ?? '(hidden)'}</td>
                  <td class="muted">{c.default ? 'default' : 'set'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}

function PartitionPager({
  name,
  partition,
  query,
}: {
  name: string;
  partition: number;
  query: URLSearchParams;
}) {
  const [page, setPage] = useState<Page | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [form, setForm] = useState(() => ({
    from: query.get('offset') ?? query.get('timestamp') ?? query.get('position') ?? 'earliest',
    key: query.get('key') ?? '',
    header: query.get('header') ?? '',
    text: query.get('text') ?? '',
  }));
  const qs = query.toString();
  useEffect(() => {
    api<Page>(`/api/topics/${enc(name)}/partitions/${partition}/messages?${qs}`)
      .then((p) => {
        setPage(p);
        setError(undefined);
      })
      .catch((err: Error) => setError(err.message));
  }, [name, partition, qs]);
  const go = (overrides: Record<string, string>) => {
    const params = new URLSearchParams();
    const from = overrides.from ?? form.from;
    if (/^\d+$/.test(from) && from.length < 13) params.set('offset', from);
    else if (from === 'earliest' || from === 'latest') params.set('position', from);
    else params.set('timestamp', from);
    for (const k of ['key', 'header', 'text'] as const) if (form[k]) params.set(k, form[k]);
    navigate(`/topics/${enc(name)}/partitions/${partition}?${params}`);
  };
  return (
    <div>
      <h3>Partition {partition}</h3>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({});
        }}
      >
        <label>
          from{' '}
          <input
            name="from"
            value={form.from}
            onInput={(e) => setForm({ ...form, from: e.currentTarget.value })}
          />
        </label>
        <label>
          key{' '}
          <input
            name="key"
            value={form.key}
            onInput={(e) => setForm({ ...form, key: e.currentTarget.value })}
          />
        </label>
        <label>
          header{' '}
          <input
            name="header"
            value={form.header}
            onInput={(e) => setForm({ ...form, header: e.currentTarget.value })}
          />
        </label>
        <label>
          text{' '}
          <input
            name="text"
            value={form.text}
            onInput={(e) => setForm({ ...form, text: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Show</button>
        <span class="muted"> from: an offset, an ISO time, earliest or latest</span>
      </form>
      <Problem error={error} />
      {page && (
        <>
          <p class="muted">
            offsets {page.start}–{page.end} · from {page.from} · {page.messages.length} shown of{' '}
            {page.scanned} read
          </p>
          {page.messages.map((m) => (
            <MessageItem key={m.offset} m={m} />
          ))}
          {page.nextOffset && (
            <button type="button" onClick={() => go({ from: page.nextOffset ?? '' })}>
              Next page
            </button>
          )}
        </>
      )}
    </div>
  );
}
