// The consumer-group API against our broker: lag per partition and over time, offset reset with preview
// and confirmation, refused while the group has members.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Consumer } from '@platformatic/kafka';
import { eventually, useConsole } from '../support/console-fixture.ts';

const fx = useConsole();

describe('consumer groups API', { timeout: 120_000 }, () => {
  before(async () => {
    await fx.context.cluster.createTopic('orders', 2);
    await fx.context.cluster.produce(
      Array.from({ length: 10 }, (_, i) => ({
        topic: 'orders',
        partition: i % 2,
        key: `o${i}`,
        value: Buffer.from('{}'),
        headers: {},
      })),
    );
    await fx.context.cluster.commitOffsets('billing', [
      { topic: 'orders', partition: 0, offset: 2n },
      { topic: 'orders', partition: 1, offset: 5n },
    ]);
  });

  it('shows each group with its total lag, and one group per partition', async () => {
    const all = (await fx.app.inject('/api/groups')).json();
    const billing = all.groups.find((g: { id: string }) => g.id === 'billing');
    assert.equal(billing.lag, 3);
    assert.deepEqual(billing.topics, ['orders']);
    const one = (await fx.app.inject('/api/groups/billing')).json();
    assert.deepEqual(
      one.partitions.map((p: { partition: number; committed: string; end: string; lag: number }) => [
        p.partition,
        p.committed,
        p.end,
        p.lag,
      ]),
      [
        [0, '2', '5', 3],
        [1, '5', '5', 0],
      ],
    );
    assert.equal(one.members.length, 0);
  });

  it('records lag over time', async () => {
    const history = await eventually('two lag samples', async () => {
      const { history } = (await fx.app.inject('/api/groups/billing')).json();
      return history.length >= 2 ? history : undefined;
    });
    assert.equal(history.at(-1).lag, 3);
  });

  it('previews a reset, refuses it unconfirmed, applies it confirmed and audits it', async () => {
    const preview = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/billing/offsets',
      payload: { to: 'latest' },
    });
    assert.equal(preview.statusCode, 200);
    assert.deepEqual(
      preview
        .json()
        .partitions.map((p: { partition: number; current: string; target: string }) => [
          p.partition,
          p.current,
          p.target,
        ]),
      [
        [0, '2', '5'],
        [1, '5', '5'],
      ],
    );
    assert.equal((await fx.app.inject('/api/groups/billing')).json().lag, 3, 'a preview changes nothing');
    const unconfirmed = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/billing/offsets',
      payload: { to: 'latest', dryRun: false },
    });
    assert.equal(unconfirmed.statusCode, 428);
    const applied = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/billing/offsets',
      payload: { to: 'earliest', dryRun: false, confirm: true },
    });
    assert.equal(applied.statusCode, 200);
    assert.equal((await fx.app.inject('/api/groups/billing')).json().lag, 10);
    const [entry] = (await fx.app.inject('/api/audit')).json().entries;
    assert.deepEqual([entry.action, entry.target, entry.outcome], ['reset-offsets', 'group billing', 'ok']);
  });

  it('refuses a reset while the group has members (409), and answers 404 for an unknown group', async (t) => {
    const consumer = new Consumer({
      clientId: 'member',
      groupId: 'live-group',
      bootstrapBrokers: [fx.broker.address],
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      autocommit: true,
    });
    t.after(() => consumer.close(true));
    const stream = await consumer.consume({ topics: ['orders'], mode: 'earliest' });
    t.after(() => stream.close());
    stream.on('data', () => {});
    await eventually('a member in live-group', async () => {
      const g = (await fx.app.inject('/api/groups/live-group')).json();
      return g.members?.length === 1 ? g : undefined;
    });
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/live-group/offsets',
      payload: { to: 'earliest', dryRun: false, confirm: true },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'GROUP_NOT_EMPTY');
    const unknown = await fx.app.inject('/api/groups/nobody');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'GROUP_NOT_FOUND');
    const bad = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/billing/offsets',
      payload: { to: 'yesterday' },
    });
    assert.equal(bad.statusCode, 400);
    const noTime = await fx.app.inject({
      method: 'POST',
      url: '/api/groups/billing/offsets',
      payload: { to: 'timestamp' },
    });
    assert.equal(noTime.json().code, 'INVALID_FILTER');
  });
});
