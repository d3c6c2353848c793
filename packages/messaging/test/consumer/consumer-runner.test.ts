// Consumer runner behaviour beyond the transport contract, on the in-memory transport: trace and
// correlation carried into handler logs and into the events a handler publishes, the concurrency bound,
// backpressure, exactly-once with an awaited rebalance, and misuse errors.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fullDiskFor, pgliteFixture } from '@tributary/database/testing';
import { pino } from 'pino';
import { Type } from 'typebox';
import { ConsumerRunner, type RecordReport } from '../../src/consumer/consumer-runner.ts';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { createEventRegistry } from '../../src/contracts/event-registry.ts';
import { parseTraceparent } from '../../src/envelope/trace-context.ts';
import { MessagingArgumentError } from '../../src/errors.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import { deadLetterTopicOf, retryTopicOf } from '../../src/retry/retry-topics.ts';
import { gate, waitFor } from '../../src/testing/contract-fixture.ts';
import { createInMemoryTransport, type InMemoryTransport } from '../../src/testing/in-memory-transport.ts';
import { ManualClock } from '../../src/testing/manual-clock.ts';

const TaskCreated = defineEvent({
  type: 'test.task.created',
  version: 1,
  topic: 'tasks',
  key: 'taskId',
  schema: Type.Object({ taskId: Type.String(), n: Type.Integer() }),
});
const TaskAnnounced = defineEvent({
  type: 'test.task.announced',
  version: 1,
  topic: 'announcements',
  key: 'taskId',
  schema: Type.Object({ taskId: Type.String() }),
});
const registry = createEventRegistry([TaskCreated, TaskAnnounced]);

function setup(
  t: { after(fn: () => Promise<void>): void },
  transport: InMemoryTransport = createInMemoryTransport(),
) {
  const publisher = new EventPublisher({ transport, source: '/tasks', registry });
  const runners: ConsumerRunner[] = [];
  const runner = (options: Partial<ConstructorParameters<typeof ConsumerRunner>[0]> = {}) => {
    const r = new ConsumerRunner({ transport, group: 'workers', registry, ...options });
    runners.push(r);
    return r;
  };
  t.after(async () => {
    for (const r of runners) await r.stop();
    await publisher.close();
    await transport.close();
  });
  return { transport, publisher, runner };
}

describe('ConsumerRunner', () => {
  it('puts correlation id and trace on every handler log line and on the events the handler publishes', async (t) => {
    const { transport, publisher, runner } = setup(t);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const r = runner({ logger: pino({ level: 'debug' }, sink) });
    r.subscribe(TaskCreated, async (event, { logger }) => {
      logger.info({ n: event.data.n }, 'creating task');
      await publisher.publishEvent(TaskAnnounced, { taskId: event.data.taskId });
    });
    await r.start();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const sent = await publisher.publishEvent(
      TaskCreated,
      { taskId: 't1', n: 1 },
      { correlationId: 'req-9', traceparent },
    );
    await waitFor(async () => (await transport.readTopic('announcements')).length === 1, 'the announcement');

    const [announced] = await transport.readTopic('announcements');
    assert.equal(announced.headers['correlation-id'], 'req-9', 'the correlation id flows on');
    assert.equal(
      parseTraceparent(announced.headers.traceparent)?.traceId,
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    assert.notEqual(announced.headers.traceparent, sent.traceparent, 'a new span');

    const handlerLine = lines.find((l) => l.msg === 'creating task');
    assert.ok(handlerLine, 'the handler logged');
    assert.equal(handlerLine.correlationId, 'req-9');
    assert.equal(handlerLine.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(handlerLine.eventId, sent.id);
    assert.equal(handlerLine.component, 'consumer-runner');
    const perRecord = lines.filter((l) => l.eventId === sent.id);
    assert.ok(perRecord.length >= 3, 'received, handler, handled');
    for (const line of perRecord) assert.equal(line.correlationId, 'req-9');
  });

  it('never runs more handlers at once than its concurrency, across partitions', async (t) => {
    const { transport, publisher, runner } = setup(t, createInMemoryTransport({ defaultPartitions: 8 }));
    await transport.ensureTopics([{ topic: 'tasks', partitions: 8 }]);
    let running = 0;
    let peak = 0;
    let done = 0;
    const r = runner({ concurrency: 3 });
    r.subscribe(TaskCreated, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      done++;
    });
    await r.start();
    for (let i = 0; i < 60; i++) await publisher.publishEvent(TaskCreated, { taskId: `t${i}`, n: i });
    await waitFor(() => done === 60, 'every task');
    assert.equal(peak, 3);
  });

  it('holds a record while its database is out of disk space, instead of retrying or dead-lettering it', async (t) => {
    const { transport, publisher, runner } = setup(t);
    const fixture = pgliteFixture();
    t.after(() => fixture.close());
    const db = await fixture.open();
    await db.query('CREATE TABLE tasks (id text PRIMARY KEY)');
    const disk = await fullDiskFor(db, 'tasks', 'INSERT');
    await disk.fill();
    let attempts = 0;
    const r = runner();
    r.subscribe(TaskCreated, async (event) => {
      attempts++;
      await db.query('INSERT INTO tasks VALUES ($1)', [event.data.taskId]);
    });
    const outcomes: string[] = [];
    r.on('record', (report: RecordReport) => outcomes.push(report.outcome));
    await r.start();
    await publisher.publishEvent(TaskCreated, { taskId: 'full-1', n: 1 });
    await waitFor(() => attempts >= 3, 'the handler to be tried three times');
    assert.deepEqual(outcomes, [], 'the record stays where it is, with no outcome');
    assert.equal((await transport.readTopic(retryTopicOf('tasks', 'workers'))).length, 0);
    assert.equal((await transport.readTopic(deadLetterTopicOf('tasks', 'workers'))).length, 0);

    await disk.free();
    await waitFor(() => outcomes.length === 1, 'the record to be handled');
    assert.deepEqual(outcomes, ['handled']);
    assert.deepEqual(
      (await db.query<{ id: string }>('SELECT id FROM tasks')).rows.map((row) => row.id),
      ['full-1'],
    );
    assert.equal((await transport.readTopic(deadLetterTopicOf('tasks', 'workers'))).length, 0);
  });

  it('pauses the consumer while too many records wait, and resumes', async (t) => {
    const { publisher, runner } = setup(t);
    const hold = gate();
    let handled = 0;
    const r = runner({ maxQueued: 10, concurrency: 1 });
    r.subscribe(TaskCreated, async () => {
      await hold.promise;
      handled++;
    });
    await r.start();
    for (let i = 0; i < 250; i++) await publisher.publishEvent(TaskCreated, { taskId: 'same', n: i });
    try {
      await waitFor(() => r.queued > 0, 'records to arrive');
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(handled, 0);
      assert.ok(r.queued <= 100, `one fetch arrived, then the consumer paused (queued ${r.queued})`);
    } finally {
      hold.open();
    }
    await waitFor(() => handled === 250, 'every record after resuming');
  });

  it('hands partitions over on a rebalance without handling anything twice (revocation is awaited)', async (t) => {
    const { publisher, runner } = setup(t);
    const handled = new Map<string, number>();
    const handler = async (event: { id: string }) => {
      await new Promise((resolve) => setImmediate(resolve));
      handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
    };
    const a = runner({ clientId: 'a' }).subscribe(TaskCreated, handler);
    await a.start();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push((await publisher.publishEvent(TaskCreated, { taskId: `k${i % 6}`, n: i })).id);
    const b = runner({ clientId: 'b' }).subscribe(TaskCreated, handler);
    await b.start();
    for (let i = 30; i < 60; i++)
      ids.push((await publisher.publishEvent(TaskCreated, { taskId: `k${i % 6}`, n: i })).id);
    await a.stop();
    await waitFor(() => ids.every((id) => handled.has(id)), 'every event');
    assert.deepEqual(
      [...handled.values()].filter((count) => count > 1),
      [],
    );
  });

  it('after a restart, holds a key back behind its retry record even when that record is fetched late', async (t) => {
    const clock = new ManualClock();
    const { transport, publisher, runner } = setup(t, createInMemoryTransport({ clock }));
    const options = { clock, retry: { inPlace: { attempts: 1 }, delaysMs: [60_000] } };
    const heldPartition = transport.partitionFor('tasks', 'held');
    const free = ['a', 'b', 'c', 'd', 'e', 'f'].find(
      (k) => transport.partitionFor('tasks', k) !== heldPartition,
    )!;

    const first = runner(options);
    const reports: RecordReport[] = [];
    first.on('record', (r) => reports.push(r));
    first.subscribe(TaskCreated, () => {
      throw new Error('stock service down');
    });
    await first.start();
    await publisher.publishEvent(TaskCreated, { taskId: 'held', n: 1 });
    await waitFor(() => reports.some((r) => r.outcome === 'retry-scheduled'), 'held-1 in the retry topic');
    await first.stop();

    await publisher.publishEvent(TaskCreated, { taskId: 'held', n: 2 });
    await publisher.publishEvent(TaskCreated, { taskId: free, n: 1 });
    // The new member's fetches bring the source topic first and the retry topic only later.
    transport.withhold('tasks.workers.retry');
    const handled: string[] = [];
    const second = runner(options);
    second.subscribe(TaskCreated, (e) => {
      handled.push(`${e.data.taskId}-${e.data.n}`);
    });
    await second.start();
    await waitFor(() => handled.includes(`${free}-1`), 'the key on another partition');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      handled,
      [`${free}-1`],
      'held-2 waits for the retry backlog instead of overtaking held-1',
    );

    transport.deliver('tasks.workers.retry');
    await clock.whenSleeping();
    assert.deepEqual(handled, [`${free}-1`], 'held-2 is parked behind held-1 until it is due');
    clock.advance(60_000);
    await waitFor(() => handled.length === 3, 'the held key');
    assert.deepEqual(handled, [`${free}-1`, 'held-1', 'held-2']);
  });

  it("waits for a topic it does not create, then takes that topic's partitions for its retry and dead-letter topics", async (t) => {
    const { transport, publisher, runner } = setup(t);
    const handled: number[] = [];
    const r = runner({ createSourceTopics: false, defaultPartitions: 2 });
    r.subscribe(TaskCreated, async (event) => {
      handled.push(event.data.n);
    });
    let started = false;
    const starting = r.start().then(() => {
      started = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(started, false, 'started without its source topic');
    assert.equal(await transport.partitionCount('tasks'), undefined, 'the runner created the source topic');
    assert.deepEqual(r.health(), {
      ok: false,
      detail: 'waiting for topic tasks, which its publisher creates',
    });

    // The publisher's service creates the topic with its own partition count.
    await transport.ensureTopics([{ topic: 'tasks', partitions: 5 }]);
    await starting;
    assert.equal(await transport.partitionCount('tasks'), 5);
    assert.equal(await transport.partitionCount(retryTopicOf('tasks', 'workers')), 5);
    assert.equal(await transport.partitionCount(deadLetterTopicOf('tasks', 'workers')), 5);
    await publisher.publishEvent(TaskCreated, { taskId: 't1', n: 7 });
    await waitFor(() => handled.length === 1, 'the task');
    assert.deepEqual(handled, [7]);
  });

  it('refuses misuse: no handler, a type handled twice, a definition missing from the registry', async (t) => {
    const { runner } = setup(t);
    await assert.rejects(runner().start(), MessagingArgumentError);
    const r = runner().subscribe(TaskCreated, () => {});
    assert.throws(() => r.subscribe(TaskCreated, () => {}), /already has a handler/);
    const Stranger = defineEvent({
      type: 'test.stranger.arrived',
      version: 1,
      topic: 'x',
      key: 'id',
      schema: Type.Object({ id: Type.String() }),
    });
    assert.throws(() => runner().subscribe(Stranger, () => {}), /not in the registry/);
  });
});
