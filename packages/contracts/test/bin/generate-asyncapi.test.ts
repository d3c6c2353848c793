// The AsyncAPI document of the contracts: its shape, and that the committed file is what they generate.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { generateAsyncApi, type JsonObject, toJsonSchema } from '@tributary/messaging';
import { contracts, OrderPlacedV1, UserRegisteredV1 } from '../../src/index.ts';

const doc = generateAsyncApi(contracts) as unknown as {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: {
    messages: Record<string, JsonObject & { payload: JsonObject; headers: JsonObject; name: string }>;
  };
};

function resolve(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `local reference ${ref}`);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown>)[part];
    assert.ok(node !== undefined, `${ref} resolves`);
  }
  return node;
}

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0.0 with the users and orders channels and a message per event version', () => {
    assert.equal(doc.asyncapi, '3.0.0');
    assert.deepEqual(Object.keys(doc.channels).sort(), ['orders', 'users']);
    assert.equal(doc.channels.users.address, 'users');
    assert.deepEqual(Object.keys(doc.channels.users.messages).sort(), [
      'tributary.user.deactivated.v1',
      'tributary.user.registered.v1',
    ]);
    assert.deepEqual(Object.keys(doc.channels.orders.messages).sort(), [
      'tributary.order.placed.v1',
      'tributary.order.status-changed.v1',
    ]);
  });

  it('gives each message its payload schema, CloudEvents headers and Kafka key', () => {
    const message = resolve(
      doc.channels.users.messages['tributary.user.registered.v1'].$ref,
    ) as JsonObject & {
      payload: JsonObject;
      headers: { properties: Record<string, JsonObject>; required: string[] };
      bindings: { kafka: { key: JsonObject } };
    };
    assert.equal(message.name, UserRegisteredV1.ceType);
    assert.equal(message.contentType, 'application/json');
    assert.deepEqual(message.payload, toJsonSchema(UserRegisteredV1.schema));
    assert.deepEqual((message.payload as { required: string[] }).required, [
      'userId',
      'email',
      'name',
      'registeredAt',
    ]);
    assert.deepEqual(message.headers.properties.ce_type, { type: 'string', const: UserRegisteredV1.ceType });
    for (const header of ['ce_id', 'ce_type', 'ce_source', 'ce_specversion', 'ce_time', 'content-type']) {
      assert.ok(message.headers.required.includes(header), `${header} is required`);
    }
    assert.ok(message.headers.properties.traceparent && message.headers.properties['correlation-id']);
    assert.equal(message.bindings.kafka.key.type, 'string');
    const order = doc.components.messages[OrderPlacedV1.ceType];
    assert.equal(
      ((order.payload as { properties: Record<string, JsonObject> }).properties.items as { type: string })
        .type,
      'array',
    );
  });

  it('has a send operation per message whose references resolve', () => {
    assert.equal(Object.keys(doc.operations).length, contracts.definitions().length);
    for (const [id, operation] of Object.entries(doc.operations)) {
      assert.match(id, /^[A-Za-z0-9_-]+$/);
      assert.equal(operation.action, 'send');
      resolve(operation.channel.$ref);
      for (const m of operation.messages) resolve(m.$ref);
    }
  });

  it('is committed as generated (npm run contracts:asyncapi)', async () => {
    const committed = JSON.parse(await readFile(new URL('../../asyncapi.json', import.meta.url), 'utf8'));
    const { info, servers, 'x-generated-by': _by, ...rest } = committed;
    const { info: _info, ...generated } = doc as unknown as Record<string, unknown>;
    assert.equal(info.title, 'Tributary events');
    assert.ok(servers, 'the committed document names a server');
    assert.deepEqual(rest, generated);
  });
});
