// One typed handler per subscribed contract: events published under an older version reach it upcast,
// newer or unsubscribed types are never reported as handled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { type ConsumedEvent, ConsumerRunner, type RecordReport } from '../../src/consumer/consumer-runner.ts';
import { defineEvent, type EventData } from '../../src/contracts/define-event.ts';
import { createEventRegistry, defineUpcaster } from '../../src/contracts/event-registry.ts';
import { MessagingArgumentError } from '../../src/errors.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import { waitFor } from '../../src/testing/contract-fixture.ts';
import { createInMemoryTransport } from '../../src/testing/in-memory-transport.ts';

const AccountOpenedV1 = defineEvent({
  type: 'test.account.opened',
  version: 1,
  topic: 'accounts',
  key: 'accountId',
  schema: Type.Object({ accountId: Type.String(), owner: Type.String() }),
});
// v2 splits the owner's name; v1 events are read as v2 with the whole name as the given name.
const AccountOpenedV2 = defineEvent({
  type: 'test.account.opened',
  version: 2,
  topic: 'accounts',
  key: 'accountId',
  schema: Type.Object({
    accountId: Type.String(),
    givenName: Type.String(),
    familyName: Type.String(),
  }),
});
const AccountNoted = defineEvent({
  type: 'test.account.noted',
  version: 1,
  topic: 'accounts',
  key: 'accountId',
  schema: Type.Object({ accountId: Type.String(), note: Type.String() }),
});
const registry = createEventRegistry([AccountOpenedV1, AccountOpenedV2, AccountNoted], {
  upcasters: [
    defineUpcaster(AccountOpenedV1, AccountOpenedV2, (v1) => ({
      accountId: v1.accountId,
      givenName: v1.owner,
      familyName: '',
    })),
  ],
});

function setup(t: { after(fn: () => Promise<void>): void }) {
  const transport = createInMemoryTransport();
  const publisher = new EventPublisher({ transport, source: '/accounts', registry });
  const runner = new ConsumerRunner({
    transport,
    group: 'ledger',
    registry,
    retry: { inPlace: { attempts: 1 }, delaysMs: [] },
  });
  const reports: RecordReport[] = [];
  runner.on('record', (report) => reports.push(report));
  t.after(async () => {
    await runner.stop();
    await publisher.close();
    await transport.close();
  });
  return { publisher, runner, reports };
}

describe('subscriptions', () => {
  it('hands v1 events upcast and v2 events as they are to the one v2 handler, typed as v2', async (t) => {
    const { publisher, runner, reports } = setup(t);
    const seen: ConsumedEvent<EventData<typeof AccountOpenedV2>>[] = [];
    runner.subscribe(AccountOpenedV2, (event) => {
      // Typed from the v2 contract: a v1 field here would not compile.
      seen.push(event);
    });
    await runner.start();
    await publisher.publishEvent(AccountOpenedV1, { accountId: 'a-1', owner: 'Ada' });
    await publisher.publishEvent(AccountOpenedV2, {
      accountId: 'a-2',
      givenName: 'Grace',
      familyName: 'Hopper',
    });
    await waitFor(() => reports.length === 2, 'both events to be handled');

    assert.deepEqual(
      seen.map((event) => event.data),
      [
        { accountId: 'a-1', givenName: 'Ada', familyName: '' },
        { accountId: 'a-2', givenName: 'Grace', familyName: 'Hopper' },
      ],
    );
    assert.deepEqual(
      seen.map((event) => [event.type, event.publishedType]),
      [
        [AccountOpenedV2.ceType, AccountOpenedV1.ceType],
        [AccountOpenedV2.ceType, AccountOpenedV2.ceType],
      ],
    );
    assert.deepEqual(
      reports.map((report) => report.outcome),
      ['handled', 'handled'],
    );
  });

  it('dead-letters an event newer than the subscribed version instead of reporting it handled', async (t) => {
    const { publisher, runner, reports } = setup(t);
    let calls = 0;
    runner.subscribe(AccountOpenedV1, () => {
      calls += 1;
    });
    await runner.start();
    await publisher.publishEvent(AccountOpenedV2, { accountId: 'a-3', givenName: 'Alan', familyName: 'Kay' });
    await waitFor(() => reports.length === 1, 'the v2 event to be dealt with');

    assert.equal(reports[0]!.outcome, 'dead-lettered');
    assert.equal(reports[0]!.eventType, AccountOpenedV2.ceType);
    assert.equal((reports[0]!.error as { code?: string }).code, 'UNSUPPORTED_EVENT_VERSION');
    assert.equal(calls, 0);
  });

  it('reports an event of a type nobody subscribed to as skipped, not handled', async (t) => {
    const { publisher, runner, reports } = setup(t);
    const opened: string[] = [];
    runner.subscribe(AccountOpenedV1, (event) => {
      opened.push(event.data.accountId);
    });
    await runner.start();
    await publisher.publishEvent(AccountNoted, { accountId: 'a-4', note: 'VIP' });
    await publisher.publishEvent(AccountOpenedV1, { accountId: 'a-4', owner: 'Barbara' });
    await waitFor(() => reports.length === 2, 'both records to be dealt with');

    assert.deepEqual(
      reports.map((report) => [report.eventType, report.outcome]),
      [
        [AccountNoted.ceType, 'skipped'],
        [AccountOpenedV1.ceType, 'handled'],
      ],
    );
    assert.deepEqual(opened, ['a-4']);
  });

  it('takes one handler per event type, whatever its version, and only contracts of its registry', (t) => {
    const { runner } = setup(t);
    runner.subscribe(AccountOpenedV1, () => {});
    assert.throws(
      () => runner.subscribe(AccountOpenedV2, () => {}),
      (err: unknown) =>
        err instanceof MessagingArgumentError && /already has a handler.*opened\.v1/.test(err.message),
    );
    const Stranger = defineEvent({
      type: 'test.account.closed',
      version: 1,
      topic: 'accounts',
      key: 'accountId',
      schema: Type.Object({ accountId: Type.String() }),
    });
    assert.throws(() => runner.subscribe(Stranger, () => {}), /not in the registry/);
  });
});
