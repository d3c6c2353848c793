// A list of messages: key, time, CloudEvents fields, contract match, headers and the pretty-printed body,
// with links to the message's trace.
import { enc } from '../api.ts';
import { Json } from '../components.tsx';

export interface Message {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  json: unknown;
  text: string | null;
  cloudEvent: Record<string, string> | null;
  contract: { ceType: string; version: number | null; valid: boolean | null; issues: string[] } | null;
  traceId: string | null;
  correlationId: string | null;
}

export function MessageItem({ m }: { m: Message }) {
  return (
    <details class="message" data-offset={m.offset}>
      <summary>
        <code>
          {m.partition}@{m.offset}
        </code>{' '}
        {m.timestamp} · key <code>{m.key ?? '∅'}</code>{' '}
        {m.cloudEvent?.type && <span class="tag">{m.cloudEvent.type}</span>}{' '}
        {m.contract && (
          <span class={m.contract.valid === false ? 'tag bad' : 'tag'}>
            {m.contract.version === null
              ? 'no contract'
              : `contract v${m.contract.version} ${m.contract.valid ? 'matches' : 'broken'}`}
          </span>
        )}
      </summary>
      {m.cloudEvent && (
        <dl class="fields">
          {Object.entries(m.cloudEvent).map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      )}
      {m.contract?.issues.length ? <p class="problem">{m.contract.issues.join('; ')}</p> : null}
      <p>
        {m.traceId && <a href={`/traces/${m.traceId}`}>trace {m.traceId.slice(0, 8)}…</a>}{' '}
        {m.correlationId && (
          <a href={`/traces?correlationId=${enc(m.correlationId)}`}>correlation {m.correlationId}</a>
        )}
      </p>
      <Json value={m.headers} />
      {m.json !== null ? <Json value={m.json} /> : <pre class="json">{m.text ?? '(null value)'}</pre>}
    </details>
  );
}
