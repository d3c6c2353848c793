// The event catalog: contracts and versions with their schemas, and the AsyncAPI document.
import { Json, Loading, Problem } from '../components.tsx';
import { useApi } from '../hooks.ts';

interface Catalog {
  events: {
    ceType: string;
    type: string;
    version: number;
    topic: string;
    key: string;
    description: string;
    schema: unknown;
  }[];
}

export function CatalogView() {
  const catalog = useApi<Catalog>('/api/catalog');
  const asyncapi = useApi<unknown>('/api/catalog/asyncapi');
  return (
    <section>
      <h2>Event catalog</h2>
      <Problem error={catalog.error} />
      <Loading when={!catalog.data && !catalog.error} />
      {catalog.data?.events.map((e) => (
        <details key={e.ceType} class="contract">
          <summary>
            <code>{e.ceType}</code> v{e.version} on <code>{e.topic}</code> keyed by <code>{e.key}</code> —{' '}
            {e.description}
          </summary>
          <Json value={e.schema} />
        </details>
      ))}
      <details>
        <summary>AsyncAPI document</summary>
        {asyncapi.data !== undefined && <Json value={asyncapi.data} />}
      </details>
    </section>
  );
}
