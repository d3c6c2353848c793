// The event catalog: every contract version with its schema, and the AsyncAPI document the repository commits.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { useConsole } from '../support/console-fixture.ts';

const fx = useConsole();

describe('event catalog API', { timeout: 60_000 }, () => {
  it('lists each contract version with its topic, key and schema', async () => {
    const { events } = (await fx.app.inject('/api/catalog')).json();
    const registered = events.find((e: { ceType: string }) => e.ceType === 'tributary.user.registered.v1');
    assert.deepEqual([registered.topic, registered.key, registered.version], ['users', 'userId', 1]);
    assert.deepEqual(registered.schema.required, ['userId', 'email', 'name', 'registeredAt']);
    assert.equal(events.length, 4);
  });

  it('serves the same channels and messages as the committed AsyncAPI document', async () => {
    const served = (await fx.app.inject('/api/catalog/asyncapi')).json();
    const committed = JSON.parse(
      await readFile(new URL('../../../../packages/contracts/asyncapi.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(Object.keys(served.channels).sort(), Object.keys(committed.channels).sort());
    assert.deepEqual(served.components.messages, committed.components.messages);
  });
});
