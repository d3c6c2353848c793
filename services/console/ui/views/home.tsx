// Home: brokers, topics and consumer groups with their lag.
import { enc } from '../api.ts';
import { Loading, Problem, Size } from '../components.tsx';
import { useApi } from '../hooks.ts';

interface Cluster {
  clusterId: string;
  brokers: { id: number; host: string; port: number }[];
  topics: { name: string; partitions: number; messages: number; size: number | null }[];
  sizeUnknownReason: string | null;
}
interface Groups {
  groups: { id: string; state: string; members: number; lag: number; topics: string[] }[];
}

export function Home() {
  const cluster = useApi<Cluster>('/api/cluster', 5000);
  const groups = useApi<Groups>('/api/groups', 5000);
  return (
    <section>
      <h2>Cluster</h2>
      <Problem error={cluster.error} />
      <Loading when={!cluster.data && !cluster.error} />
      {cluster.data && (
        <p>
          {cluster.data.clusterId} · brokers:{' '}
          {cluster.data.brokers.map((b) => `${b.id} (${b.host}:${b.port})`).join(', ')}
        </p>
      )}
      <h2>Topics</h2>
      {cluster.data?.sizeUnknownReason && (
        <p class="muted size-note">Sizes unknown: {cluster.data.sizeUnknownReason}</p>
      )}
      <table class="topics">
        <thead>
          <tr>
            <th>topic</th>
            <th>partitions</th>
            <th>messages</th>
            <th>size</th>
          </tr>
        </thead>
        <tbody>
          {cluster.data?.topics.map((t) => (
            <tr key={t.name} data-topic={t.name}>
              <td>
                <a href={`/topics/${enc(t.name)}`}>{t.name}</a>
              </td>
              <td>{t.partitions}</td>
              <td>{t.messages}</td>
              <td>
                <Size bytes={t.size} reason={cluster.data?.sizeUnknownReason} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Consumer groups</h2>
      <Problem error={groups.error} />
      <table class="groups">
        <thead>
          <tr>
            <th>group</th>
            <th>state</th>
            <th>members</th>
            <th>lag</th>
            <th>topics</th>
          </tr>
        </thead>
        <tbody>
          {groups.data?.groups.map((g) => (
            <tr key={g.id} data-group={g.id}>
              <td>
                <a href={`/groups/${enc(g.id)}`}>{g.id}</a>
              </td>
              <td>{g.state}</td>
              <td>{g.members}</td>
              <td class="lag">{g.lag}</td>
              <td>{g.topics.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
