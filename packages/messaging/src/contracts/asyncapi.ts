// The AsyncAPI 3.0 document of a set of event contracts: one channel per topic, one message per event
// version (CloudEvents headers, the aggregate id as Kafka key, the TypeBox schema as payload), one send
// operation per message. https://www.asyncapi.com/docs/reference/specification/v3.0.0
import type { AnyEventDefinition } from './define-event.ts';
import type { EventRegistry } from './event-registry.ts';

export interface AsyncApiOptions {
  title?: string;
  version?: string;
  description?: string;
  servers?: Record<string, { host: string; protocol: 'kafka'; description?: string }>;
  /** Text of the document's `x-generated-by` field (which script wrote it). */
  generatedBy?: string;
}

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface AsyncApiDocument extends JsonObject {
  asyncapi: '3.0.0';
  info: JsonObject;
  channels: JsonObject;
  operations: JsonObject;
  components: JsonObject;
}

/** A TypeBox schema as plain JSON (TypeBox marks schemas with symbols that JSON does not carry). */
export function toJsonSchema(schema: unknown): JsonObject {
  return JSON.parse(JSON.stringify(schema)) as JsonObject;
}

function headersSchema(definition: AnyEventDefinition): JsonObject {
  return {
    type: 'object',
    required: ['ce_id', 'ce_type', 'ce_source', 'ce_specversion', 'ce_time', 'content-type'],
    properties: {
      ce_id: { type: 'string', description: 'unique event id; consumers deduplicate on it' },
      ce_type: { type: 'string', const: definition.ceType },
      ce_source: { type: 'string', description: 'producing service, e.g. /user-service' },
      ce_specversion: { type: 'string', const: '1.0' },
      ce_time: { type: 'string', format: 'date-time' },
      ce_subject: { type: 'string', description: `the aggregate id (${definition.key})` },
      'content-type': { type: 'string', const: 'application/json' },
      traceparent: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C Trace Context of the producing span',
      },
      'correlation-id': { type: 'string', description: 'id shared by every message of one flow' },
    },
  };
}

/** `sendOrderStatusChangedV1`: operation ids are plain identifiers. */
function operationId(definition: AnyEventDefinition): string {
  const words = definition.type.split(/[.-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `send${words.join('')}V${definition.version}`;
}

function message(definition: AnyEventDefinition): JsonObject {
  const doc: JsonObject = {
    name: definition.ceType,
    title: `${definition.type} v${definition.version}`,
    contentType: 'application/json',
    headers: headersSchema(definition),
    payload: toJsonSchema(definition.schema),
    bindings: {
      kafka: {
        key: { type: 'string', description: `payload field ${definition.key}: the aggregate id` },
        bindingVersion: '0.5.0',
      },
    },
    'x-event-type': definition.type,
    'x-event-version': definition.version,
  };
  if (definition.description) doc.summary = definition.description;
  return doc;
}

export function generateAsyncApi(registry: EventRegistry, options: AsyncApiOptions = {}): AsyncApiDocument {
  const definitions = registry.definitions();
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  for (const topic of registry.topics()) {
    const inTopic = definitions.filter((d) => d.topic === topic);
    channels[topic] = {
      address: topic,
      description: `CloudEvents (Kafka binding, binary mode) keyed by aggregate id: ${inTopic
        .map((d) => d.ceType)
        .join(', ')}`,
      messages: Object.fromEntries(
        inTopic.map((d) => [d.ceType, { $ref: `#/components/messages/${d.ceType}` }]),
      ),
    };
  }
  for (const definition of definitions) {
    messages[definition.ceType] = message(definition);
    operations[operationId(definition)] = {
      action: 'send',
      channel: { $ref: `#/channels/${definition.topic}` },
      messages: [{ $ref: `#/channels/${definition.topic}/messages/${definition.ceType}` }],
      summary: `publish ${definition.type} v${definition.version}`,
    };
  }
  const doc: AsyncApiDocument = {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'Tributary events',
      version: options.version ?? '1.0.0',
      ...(options.description ? { description: options.description } : {}),
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
  if (options.servers) doc.servers = options.servers as unknown as JsonObject;
  if (options.generatedBy) doc['x-generated-by'] = options.generatedBy;
  return doc;
}
