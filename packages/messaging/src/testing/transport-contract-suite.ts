// The behaviour every transport must show under the consumer runner and publisher (Watermill's
// "universal tests"): run it against the in-memory transport and against the broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import type { ConsumedEvent, RecordReport } from '../consumer/consumer-runner.ts';
import { Headers } from '../envelope/cloud-event.ts';
import { parseTraceparent } from '../envelope/trace-context.ts';
import type { TransportRecord } from '../ports/transport.ts';
import { deadLetterTopicOf, retryTopicOf } from '../retry/retry-topics.ts';
import { ContractFixture, type ItemChanged, type TransportFactory, waitFor } from './contract-fixture.ts';
import { registerFailureContracts } from './failure-contracts.ts';

export type { TransportFactory } from './contract-fixture.ts';

export interface ContractSuiteOptions {
  logger?: Logger;
}

type Seen = ConsumedEvent<ItemChanged>;

export function runTransportContractSuite(
  name: string,
  makeTransport: TransportFactory,
  options: ContractSuiteOptions = {},
): void {
  const setup = async (t: { after(fn: () => Promise<void>): void }) => {
    const fixture = await ContractFixture.create(makeTransport, options.logger);
    t.after(() => fixture.cleanup());
    return fixture;
  };

  describe(`transport contract: ${name}`, () => {
    it('delivers a published event with its CloudEvents headers, key, trace and correlation id', async (t) => {
      const f = await setup(t);
      const seen: Seen[] = [];
      await f
        .runner()
        .subscribe(f.event, (e) => {
          seen.push(e);
        })
        .start();
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const sent = await f.publish('item-1', 1, { correlationId: 'corr-42', traceparent });
      await waitFor(() => seen.length === 1, 'the event to be handled');
      const [got] = seen;
      assert.equal(got.id, sent.id);
      assert.equal(got.type, 'tributary.contract.item.changed.v1');
      assert.equal(got.source, '/contract-suite');
      assert.equal(got.key, 'item-1');
      assert.equal(got.topic, f.topic);
      assert.deepEqual(got.data, { itemId: 'item-1', seq: 1 });
      assert.equal(got.correlationId, 'corr-42');
      assert.equal(parseTraceparent(got.traceparent)?.traceId, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(got.attempt, 0);

      const [record] = await f.transport.readTopic(f.topic);
      assert.equal(record.key, 'item-1');
      assert.deepEqual(JSON.parse(record.value!.toString()), { itemId: 'item-1', seq: 1 });
      assert.equal(record.headers[Headers.id], sent.id);
      assert.equal(record.headers[Headers.type], 'tributary.contract.item.changed.v1');
      assert.equal(record.headers[Headers.source], '/contract-suite');
      assert.equal(record.headers[Headers.specversion], '1.0');
      assert.ok(!Number.isNaN(Date.parse(record.headers[Headers.time])), 'ce_time is a timestamp');
      assert.equal(record.headers[Headers.contentType], 'application/json');
      assert.equal(record.headers[Headers.correlationId], 'corr-42');
      assert.match(
        record.headers[Headers.traceparent],
        /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
      );
    });

    it('keeps the order of each key while partitions are handled in parallel', async (t) => {
      const f = await setup(t);
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      const perKey = new Map<string, number[]>();
      const partitions = new Set<number>();
      let first = true;
      await f
        .runner()
        .subscribe(f.event, async (e) => {
          if (first) {
            // The first record waits for a record of another partition: with partitions handled one
            // after another this would never finish.
            first = false;
            const mine = e.partition;
            await waitFor(() => [...partitions].some((p) => p !== mine), 'another partition to progress');
          }
          partitions.add(e.partition);
          perKey.set(e.key, [...(perKey.get(e.key) ?? []), e.data.seq]);
        })
        .start();
      for (let seq = 1; seq <= 8; seq++) for (const key of keys) await f.publish(key, seq);
      await waitFor(
        () => [...perKey.values()].flat().length === keys.length * 8,
        'every event to be handled',
      );
      for (const key of keys) assert.deepEqual(perKey.get(key), [1, 2, 3, 4, 5, 6, 7, 8], `order of ${key}`);
      assert.ok(partitions.size > 1, 'events spread over several partitions');
    });

    it('delivers again, to the next member, what a crashed consumer had not committed', async (t) => {
      const f = await setup(t);
      const first = f.runner();
      const committed = f.trackCommits(first);
      const handledByFirst: Seen[] = [];
      const stuck = f.gate();
      first.subscribe(f.event, async (e) => {
        if (e.data.seq === 3) await stuck.promise;
        handledByFirst.push(e);
      });
      await first.start();
      for (let seq = 1; seq <= 5; seq++) await f.publish('crashy', seq);
      await waitFor(() => handledByFirst.length === 2, 'the first two events');
      const { partition, offset } = handledByFirst[1];
      await waitFor(() => committed(partition) >= offset + 1n, 'the first two events to be committed');
      await first.abort();

      const second: number[] = [];
      await f
        .runner()
        .subscribe(f.event, (e) => {
          second.push(e.data.seq);
        })
        .start();
      await waitFor(() => second.length >= 3, 'the uncommitted events');
      assert.deepEqual(second, [3, 4, 5]);
    });

    it('finishes the record in flight on stop, commits it, and a restarted consumer goes on from there', async (t) => {
      const f = await setup(t);
      const slow = f.gate();
      const started: number[] = [];
      const finished: number[] = [];
      const first = f.runner();
      first.subscribe(f.event, async (e) => {
        started.push(e.data.seq);
        if (e.data.seq === 2) await slow.promise;
        finished.push(e.data.seq);
      });
      await first.start();
      for (let seq = 1; seq <= 3; seq++) await f.publish('graceful', seq);
      await waitFor(() => started.includes(2), 'the second event to start');
      const stopping = first.stop();
      slow.open();
      await stopping;
      assert.deepEqual(finished, [1, 2], 'the record in flight finished; the queued one was left');

      await f.publish('graceful', 4);
      const second: number[] = [];
      await f
        .runner()
        .subscribe(f.event, (e) => {
          second.push(e.data.seq);
        })
        .start();
      await waitFor(() => second.length >= 2, 'the rest of the events');
      assert.deepEqual(second, [3, 4]);
    });

    it('retries a handler in place: failing twice then succeeding has one effect', async (t) => {
      const f = await setup(t);
      let calls = 0;
      let effects = 0;
      const runner = f.runner({ retry: { inPlace: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 } } });
      const reports: RecordReport[] = [];
      runner.on('record', (r) => reports.push(r));
      runner.subscribe(f.event, () => {
        calls++;
        if (calls <= 2) throw new Error(`transient failure ${calls}`);
        effects++;
      });
      await runner.start();
      await f.publish('flaky', 1);
      await waitFor(() => reports.length === 1, 'the event to be handled');
      assert.equal(calls, 3);
      assert.equal(effects, 1);
      assert.equal(reports[0].outcome, 'handled');
      assert.deepEqual(await f.transport.readTopic(retryTopicOf(f.topic, f.group)), []);
      assert.deepEqual(await f.transport.readTopic(deadLetterTopicOf(f.topic, f.group)), []);
    });

    it('skips event types it has no handler for and commits past them', async (t) => {
      const f = await setup(t);
      const seen: Seen[] = [];
      const reports: RecordReport[] = [];
      const runner = f.runner();
      runner.on('record', (r) => reports.push(r));
      runner.subscribe(f.event, (e) => {
        seen.push(e);
      });
      await runner.start();
      const publisher = f.transport.createPublisher();
      t.after(() => publisher.close());
      await publisher.publishRaw({
        topic: f.topic,
        key: 'other',
        value: Buffer.from('{"x":1}'),
        headers: {
          [Headers.id]: 'other-1',
          [Headers.type]: 'tributary.contract.other.happened.v1',
          [Headers.specversion]: '1.0',
          [Headers.contentType]: 'application/json',
        },
      });
      await f.publish('mine', 1);
      await waitFor(() => reports.length === 2, 'both records to be processed');
      assert.deepEqual(
        seen.map((e) => e.data.seq),
        [1],
      );
      assert.equal(reports.find((r) => r.eventId === 'other-1')?.outcome, 'skipped');
      assert.deepEqual(await f.transport.readTopic(deadLetterTopicOf(f.topic, f.group)), []);
    });

    it("measures the backlog: partitions holding records past the group's committed offset, and their end", async (t) => {
      const f = await setup(t);
      await f.publish('b-1', 1);
      await f.publish('b-1', 2);
      const consumer = f.transport.createConsumer({ groupId: f.group, topics: [f.topic] });
      const received: TransportRecord[] = [];
      await consumer.start({
        onRecords: (records) => received.push(...records),
        onAssigned: () => {},
        onRevoking: async () => {},
        onError: () => {},
      });
      t.after(() => consumer.close());
      await waitFor(() => received.length === 2, 'both records');
      const all = [0, 1, 2].map((partition) => ({ topic: f.topic, partition }));
      const { partition } = received[0];
      assert.deepEqual(await consumer.backlog(all), [{ topic: f.topic, partition, end: 2n }]);
      await consumer.commit([{ topic: f.topic, partition, offset: 1n }]);
      assert.deepEqual(await consumer.backlog(all), [{ topic: f.topic, partition, end: 2n }]);
      await consumer.commit([{ topic: f.topic, partition, offset: 2n }]);
      assert.deepEqual(await consumer.backlog(all), []);
    });

    it("reports the lag of each partition: records past the group's committed offset, 0 when none", async (t) => {
      const f = await setup(t);
      await f.publish('l-1', 1);
      await f.publish('l-1', 2);
      await f.publish('l-1', 3);
      const consumer = f.transport.createConsumer({ groupId: f.group, topics: [f.topic] });
      const received: TransportRecord[] = [];
      await consumer.start({
        onRecords: (records) => received.push(...records),
        onAssigned: () => {},
        onRevoking: async () => {},
        onError: () => {},
      });
      t.after(() => consumer.close());
      await waitFor(() => received.length === 3, 'the three records');
      const { partition } = received[0];
      const lagOf = async () =>
        (await consumer.lag([{ topic: f.topic, partition }])).map((p) => [p.partition, p.lag]);
      // Received is not committed: all three are lag until the group commits past them.
      assert.deepEqual(await lagOf(), [[partition, 3n]]);
      await consumer.commit([{ topic: f.topic, partition, offset: 1n }]);
      assert.deepEqual(await lagOf(), [[partition, 2n]]);
      await consumer.commit([{ topic: f.topic, partition, offset: 3n }]);
      assert.deepEqual(await lagOf(), [[partition, 0n]]);
    });

    registerFailureContracts(setup);
  });
}
