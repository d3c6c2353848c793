// A consumer group: members and assignment, lag per partition now and over time, offset reset with preview.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Confirm, LagChart, Loading, Problem } from '../components.tsx';
import { useApi } from '../hooks.ts';

interface Group {
  id: string;
  state: string;
  members: { id: string; clientId: string; clientHost: string }[];
  lag: number;
  partitions: {
    topic: string;
    partition: number;
    committed: string | null;
    end: string;
    lag: number;
    member: string | null;
  }[];
  history: { at: number; lag: number }[];
}
interface Preview {
  partitions: { topic: string; partition: number; current: string | null; target: string }[];
}

export function GroupView({ id }: { id: string }) {
  const group = useApi<Group>(`/api/groups/${enc(id)}`, 1000);
  const [to, setTo] = useState<'earliest' | 'latest' | 'timestamp'>('latest');
  const [timestamp, setTimestamp] = useState('');
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const body = (dryRun: boolean) => ({
    to,
    ...(to === 'timestamp' ? { timestamp } : {}),
    dryRun,
    confirm: !dryRun,
  });
  const run = async (dryRun: boolean) => {
    try {
      const result = await api<Preview>(`/api/groups/${enc(id)}/offsets`, { body: body(dryRun) });
      setError(undefined);
      if (dryRun) setPreview(result);
      else {
        setPreview(undefined);
        setDone(`offsets reset on ${result.partitions.length} partition(s)`);
        void group.reload();
      }
    } catch (err) {
      setPreview(undefined);
      setError((err as Error).message);
    }
  };
  return (
    <section>
      <h2>Consumer group {id}</h2>
      <Problem error={group.error} />
      <Loading when={!group.data && !group.error} />
      {group.data && (
        <>
          <p>
            state <strong class="state">{group.data.state}</strong> · {group.data.members.length} member(s) ·
            total lag <strong class="total-lag">{group.data.lag}</strong>
          </p>
          <LagChart samples={group.data.history} />
          <h3>Members</h3>
          <ul>
            {group.data.members.map((m) => (
              <li key={m.id}>
                {m.clientId} ({m.clientHost}) <code>{m.id}</code>
              </li>
            ))}
          </ul>
          <h3>Partitions</h3>
          <table class="partitions">
            <thead>
              <tr>
                <th>topic</th>
                <th>partition</th>
                <th>committed</th>
                <th>end</th>
                <th>lag</th>
                <th>member</th>
              </tr>
            </thead>
            <tbody>
              {group.data.partitions.map((p) => (
                <tr key={`${p.topic}/${p.partition}`}>
                  <td>
                    <a href={`/topics/${enc(p.topic)}`}>{p.topic}</a>
                  </td>
                  <td>{p.partition}</td>
                  <td>{p.committed ?? '–'}</td>
                  <td>{p.end}</td>
                  <td>{p.lag}</td>
                  <td class="muted">{p.member ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h3>Reset offsets</h3>
      <p class="muted">Only while the group has no members. Preview first.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(true);
        }}
      >
        <select value={to} onChange={(e) => setTo(e.currentTarget.value as typeof to)}>
          <option value="earliest">earliest</option>
          <option value="latest">latest</option>
          <option value="timestamp">timestamp</option>
        </select>
        {to === 'timestamp' && (
          <input
            placeholder="2026-01-01T00:00:00Z"
            value={timestamp}
            onInput={(e) => setTimestamp(e.currentTarget.value)}
          />
        )}
        <button type="submit">Preview reset</button>
      </form>
      <Problem error={error} />
      {done && <p class="ok">{done}</p>}
      {preview && (
        <Confirm
          title="Reset offsets"
          onConfirm={() => void run(false)}
          onCancel={() => setPreview(undefined)}
        >
          <table>
            <tbody>
              {preview.partitions.map((p) => (
                <tr key={`${p.topic}/${p.partition}`}>
                  <td>
                    {p.topic}/{p.partition}
                  </td>
                  <td>
                    {p.current ?? '–'} → {p.target}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Confirm>
      )}
    </section>
  );
}
