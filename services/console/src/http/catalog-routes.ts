// The event catalog: every contract and version with its JSON schema, and the AsyncAPI document.
import { allEvents, contracts } from '@tributary/contracts';
import { generateAsyncApi, toJsonSchema } from '@tributary/messaging';
import type { App } from '@tributary/service-kit';

export function registerCatalogRoutes(app: App): void {
  const asyncapi = generateAsyncApi(contracts, {
    title: 'Tributary events',
    version: '1.0.0',
    description: 'Events exchanged by the Tributary services (CloudEvents 1.0, Kafka binding, binary mode).',
    servers: { local: { host: 'localhost:9092', protocol: 'kafka', description: 'the embedded broker' } },
  });
  const events = allEvents.map((d) => ({
    ceType: d.ceType,
    type: d.type,
    version: d.version,
    topic: d.topic,
    key: d.key,
    description: d.description ?? '',
    schema: toJsonSchema(d.schema),
  }));
  app.get(
    '/api/catalog',
    { schema: { tags: ['catalog'], summary: 'Event contracts and versions' } },
    async () => ({
      events,
    }),
  );
  app.get(
    '/api/catalog/asyncapi',
    { schema: { tags: ['catalog'], summary: 'The AsyncAPI document' } },
    async () => asyncapi,
  );
}
