// The failure half of the transport contract: retry topic with delays, per-key hold-back, dead letters,
// poison records, redrive and rebalances.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConsumedEvent, RecordReport } from '../consumer/consumer-runner.ts';
import { Headers } from '../envelope/cloud-event.ts';
import { MessagingError } from '../errors.ts';
import { redriveDeadLetters } from '../retry/redrive.ts';
import { RetryHeaders } from '../retry/retry-headers.ts';
import { deadLetterTopicOf, retryTopicOf } from '../retry/retry-topics.ts';
import { type ContractFixture, type ItemChanged, waitFor } from './contract-fixture.ts';

type Setup = (t: { after(fn: () => Promise<void>): void }) => Promise<ContractFixture>;

/** A handler error that says it is not worth retrying. */
export class PermanentTestError extends MessagingError {
  constructor(message: string) {
    super('TEST_PERMANENT', message, { retriable: false });
    this.name = 'PermanentTestError';
  }
}

class StockServiceDown extends MessagingError {
  constructor() {
    super('STOCK_SERVICE_DOWN', 'stock service did not answer', { retriable: true });
  }
}

export function registerFailureContracts(setup: Setup): void {
  it('moves a record that keeps failing through the retry topic (after its delays) to the dead-letter topic, holding back its key only', async (t) => {
    const f = await setup(t);
    const start = f.clock.now();
    const calls = new Map<string, number>();
    const handled: string[] = [];
    const reports: RecordReport[] = [];
    const runner = f.runner();
    runner.on('record', (r) => reports.push(r));
    runner.subscribe(f.event, (e) => {
      const id = `${e.key}-${e.data.seq}`;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      if (id === 'bad-1') throw new StockServiceDown();
      handled.push(id);
    });
    await runner.start();
    const [failing] = [await f.publish('bad', 1)];
    await f.publish('bad', 2);
    await f.publish('good', 1);
    await f.publish('bad', 3);
    await f.publish('good', 2);
    const outcomes = (outcome: string) => reports.filter((r) => r.outcome === outcome).length;

    // Round 1: two calls in place, then the retry topic; the other key flows, later records of the key wait.
    await waitFor(
      () => outcomes('retry-scheduled') === 1 && outcomes('parked') === 2,
      'bad-1 to be moved aside',
    );
    await waitFor(() => handled.includes('good-1') && handled.includes('good-2'), 'the other key');
    assert.equal(calls.get('bad-1'), 2);
    assert.deepEqual(handled, ['good-1', 'good-2']);
    const [retried] = (await f.transport.readTopic(retryTopicOf(f.topic, f.group))).filter(
      (r) => r.headers[Headers.id] === failing.id,
    );
    assert.equal(retried.key, 'bad');
    assert.equal(retried.headers[RetryHeaders.attempt], '1');
    assert.equal(retried.headers[RetryHeaders.dueAt], String(start + 1_000));
    assert.equal(retried.headers[RetryHeaders.errorCode], 'STOCK_SERVICE_DOWN');

    // Not before its due time (injected clock).
    await f.clock.whenSleeping(start + 1_000);
    f.clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.get('bad-1'), 2, 'not retried before the delay');
    f.clock.advance(1);
    await waitFor(() => outcomes('retry-scheduled') === 2, 'round 2 to fail');
    assert.equal(calls.get('bad-1'), 4);

    // Round 3 (the last) after the second delay: dead letter; then bad-2 and bad-3, in order.
    await f.clock.whenSleeping(start + 1_000 + 2_000);
    f.clock.advance(2_000);
    await waitFor(() => outcomes('dead-lettered') === 1, 'the dead letter');
    await waitFor(() => handled.length === 4, 'the held-back records of the key');
    assert.equal(calls.get('bad-1'), 6);
    assert.deepEqual(handled, ['good-1', 'good-2', 'bad-2', 'bad-3']);

    const [dead] = await f.transport.readTopic(deadLetterTopicOf(f.topic, f.group));
    assert.equal(dead.key, 'bad');
    assert.deepEqual(JSON.parse(dead.value!.toString()), { itemId: 'bad', seq: 1 });
    assert.equal(dead.headers[Headers.id], failing.id);
    assert.equal(dead.headers[Headers.type], 'tributary.contract.item.changed.v1');
    assert.equal(dead.headers[RetryHeaders.errorCode], 'STOCK_SERVICE_DOWN');
    assert.equal(dead.headers[RetryHeaders.errorMessage], 'stock service did not answer');
    assert.equal(dead.headers[RetryHeaders.attempts], '3');
    assert.equal(dead.headers[RetryHeaders.originalTopic], f.topic);
    assert.equal(
      dead.headers[RetryHeaders.originalPartition],
      String(reports.find((r) => r.outcome === 'retry-scheduled')?.partition),
    );
    assert.equal(dead.headers[RetryHeaders.originalOffset], '0');
    assert.equal(dead.headers[RetryHeaders.firstFailureAt], new Date(start).toISOString());
    assert.equal(dead.headers[RetryHeaders.lastFailureAt], new Date(start + 3_000).toISOString());
    assert.equal(dead.headers[RetryHeaders.group], f.group);
  });

  it('keeps holding a key back after a restart while its record waits in the retry topic', async (t) => {
    const f = await setup(t);
    const start = f.clock.now();
    const first = f.runner();
    const reports: RecordReport[] = [];
    first.on('record', (r) => reports.push(r));
    first.subscribe(f.event, () => {
      throw new StockServiceDown();
    });
    await first.start();
    await f.publish('held', 1);
    await waitFor(
      () => reports.some((r) => r.outcome === 'retry-scheduled'),
      'held-1 to go to the retry topic',
    );
    await first.stop();

    await f.publish('held', 2);
    await f.publish('free', 1);
    const handled: string[] = [];
    const second = f.runner();
    second.subscribe(f.event, (e) => {
      handled.push(`${e.key}-${e.data.seq}`);
    });
    await second.start();
    await waitFor(() => handled.includes('free-1'), 'the other key');
    await f.clock.whenSleeping(start + 1_000);
    assert.deepEqual(handled, ['free-1'], 'held-2 waits behind held-1');
    f.clock.advance(1_000);
    await waitFor(() => handled.length === 3, 'the held key');
    assert.deepEqual(handled, ['free-1', 'held-1', 'held-2']);
  });

  it('sends undecodable and schema-invalid records to the dead-letter topic at once and keeps going', async (t) => {
    const f = await setup(t);
    const handled: ConsumedEvent<ItemChanged>[] = [];
    const reports: RecordReport[] = [];
    const runner = f.runner();
    runner.on('record', (r) => reports.push(r));
    runner.subscribe(f.event, (e) => {
      handled.push(e);
    });
    await runner.start();
    const raw = f.transport.createPublisher();
    t.after(() => raw.close());
    const headers = (id: string) => ({
      [Headers.id]: id,
      [Headers.type]: f.event.ceType,
      [Headers.source]: '/somewhere',
      [Headers.specversion]: '1.0',
      [Headers.contentType]: 'application/json',
    });
    await raw.publishRaw({
      topic: f.topic,
      key: 'p',
      value: Buffer.from('{not json'),
      headers: headers('junk'),
    });
    await raw.publishRaw({
      topic: f.topic,
      key: 'p',
      value: Buffer.from(JSON.stringify({ itemId: 'p', seq: 'one' })),
      headers: headers('wrong-shape'),
    });
    await f.publish('p', 2);
    await waitFor(() => reports.length === 3, 'the three records');
    assert.deepEqual(
      handled.map((e) => e.data.seq),
      [2],
    );
    const dead = await f.transport.readTopic(deadLetterTopicOf(f.topic, f.group));
    assert.deepEqual(
      dead.map((r) => [
        r.headers[Headers.id],
        r.headers[RetryHeaders.errorCode],
        r.headers[RetryHeaders.attempts],
      ]),
      [
        ['junk', 'UNDECODABLE', '1'],
        ['wrong-shape', 'SCHEMA_INVALID', '1'],
      ],
    );
    assert.equal(dead[0].value?.toString(), '{not json', 'the record is kept as it was');
    assert.match(dead[1].headers[RetryHeaders.errorMessage], /\/seq/);
    assert.deepEqual(await f.transport.readTopic(retryTopicOf(f.topic, f.group)), [], 'no retry for poison');
  });

  it('redrives dead letters to the original topic: dry run first, filtered, and only once', async (t) => {
    const f = await setup(t);
    let fixed = false;
    const handled: string[] = [];
    const reports: RecordReport[] = [];
    const runner = f.runner();
    runner.on('record', (r) => reports.push(r));
    runner.subscribe(f.event, (e) => {
      if (!fixed) throw new PermanentTestError(`cannot handle ${e.key}`);
      handled.push(`${e.key}-${e.data.seq}`);
    });
    await runner.start();
    await f.publish('a', 1);
    await f.publish('b', 1);
    await waitFor(
      () => reports.filter((r) => r.outcome === 'dead-lettered').length === 2,
      'two dead letters',
    );

    const dry = await redriveDeadLetters({ transport: f.transport, topic: f.topic, group: f.group });
    assert.equal(dry.dryRun, true);
    assert.equal(dry.moved, 0);
    assert.deepEqual(dry.deadLetters.map((d) => d.key).sort(), ['a', 'b']);
    assert.equal(dry.deadLetters[0].errorCode, 'TEST_PERMANENT');
    assert.equal(dry.deadLetters[0].attempts, 1);
    assert.equal(dry.deadLetters[0].origin?.topic, f.topic);
    assert.equal((await f.transport.readTopic(f.topic)).length, 2, 'a dry run moves nothing');

    fixed = true;
    const onlyA = await redriveDeadLetters({
      transport: f.transport,
      topic: f.topic,
      group: f.group,
      filter: { keys: ['a'], eventTypes: [f.event.ceType] },
      dryRun: false,
    });
    assert.equal(onlyA.moved, 1);
    await waitFor(() => handled.length === 1, 'the redriven event');
    assert.deepEqual(handled, ['a-1']);
    const redriven = (await f.transport.readTopic(f.topic)).at(-1);
    assert.equal(redriven?.headers[RetryHeaders.errorCode], undefined, 'failure headers are dropped');

    const rest = await redriveDeadLetters({
      transport: f.transport,
      topic: f.topic,
      group: f.group,
      dryRun: false,
    });
    assert.deepEqual(
      rest.deadLetters.map((d) => d.key),
      ['b'],
      'what was moved is not moved again',
    );
    await waitFor(() => handled.length === 2, 'the second redriven event');
    assert.deepEqual(handled, ['a-1', 'b-1']);
  });

  it('loses nothing when members join and leave the group while events flow', async (t) => {
    const f = await setup(t);
    const handledIds = new Map<string, number>();
    const firstSeen = new Map<string, number[]>();
    const handler = (e: ConsumedEvent<ItemChanged>) => {
      handledIds.set(e.id, (handledIds.get(e.id) ?? 0) + 1);
      // The inbox drops duplicates; what matters is the order in which events first take effect.
      if (handledIds.get(e.id) === 1) firstSeen.set(e.key, [...(firstSeen.get(e.key) ?? []), e.data.seq]);
    };
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const ids: string[] = [];
    const publishRound = async (seq: number) => {
      for (const key of keys) ids.push((await f.publish(key, seq)).id);
    };
    const a = f.runner({ clientId: 'member-a' }).subscribe(f.event, handler);
    await a.start();
    for (let seq = 1; seq <= 3; seq++) await publishRound(seq);
    await waitFor(() => handledIds.size >= 6, 'the first member to make progress');
    const b = f.runner({ clientId: 'member-b' }).subscribe(f.event, handler);
    await b.start();
    for (let seq = 4; seq <= 6; seq++) await publishRound(seq);
    await a.stop();
    for (let seq = 7; seq <= 9; seq++) await publishRound(seq);
    await waitFor(() => ids.every((id) => handledIds.has(id)), 'every event to be handled', 30_000);
    for (const key of keys)
      assert.deepEqual(firstSeen.get(key), [1, 2, 3, 4, 5, 6, 7, 8, 9], `order of ${key}`);
  });
}
