// Every documented route of the console (but the live tail, a stream), sent generated input against our
// broker, answers without a 5xx, and every refusal is problem+json (see route-fuzz.ts). Generated path
// parameters include the names of a topic, its dead-letter topic and a group that exist.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fuzzDocumentedRoutes } from '../../../../packages/service-kit/test/support/route-fuzz.ts';
import { useConsole } from '../support/console-fixture.ts';

const fx = useConsole();

describe('console routes under generated input', () => {
  before(async () => {
    await fx.context.cluster.createTopic('orders', 2);
    await fx.context.cluster.createTopic('orders.billing.dlq', 1);
  });

  it('answers every documented route with no 5xx, and every refusal as problem+json', async () => {
    const findings = await fuzzDocumentedRoutes(fx.app, {
      fields: [
        'topic',
        'partition',
        'offset',
        'failureGroup',
        'dryRun',
        'confirm',
        'items',
        'dlq',
        'key',
        'value',
      ],
      known: ['orders', 'orders.billing.dlq', 'billing', '0', '1'],
      skip: ['GET /api/topics/{name}/tail'],
      runs: 1500,
      seed: 20261203,
    });
    assert.deepEqual(findings, []);
  });
});
