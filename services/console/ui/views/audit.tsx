// The audit log: every action taken through the console, newest first.
import { Problem } from '../components.tsx';
import { useApi } from '../hooks.ts';

interface Audit {
  entries: { at: string; who: string; action: string; target: string; outcome: string; detail: string }[];
}

export function AuditView() {
  const audit = useApi<Audit>('/api/audit', 3000);
  return (
    <section>
      <h2>Audit log</h2>
      <Problem error={audit.error} />
      <table class="audit">
        <thead>
          <tr>
            <th>when</th>
            <th>who</th>
            <th>action</th>
            <th>target</th>
            <th>outcome</th>
            <th>detail</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.entries.map((e) => (
            <tr key={`${e.at}${e.action}${e.target}`}>
              <td>{e.at}</td>
              <td>{e.who}</td>
              <td>{e.action}</td>
              <td>{e.target}</td>
              <td class={e.outcome === 'failed' ? 'bad' : ''}>{e.outcome}</td>
              <td>{e.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
