// The consumer runner on the Kafka transport through broker faults, against our broker over TCP: a broker
// whose data was wiped (the runner creates its topics again, retry and dead-letter included, and consumes
// again without a restart) and a group coordinator that vanishes (not ready meanwhile, the consumer client
// is replaced after repeated failures, consuming resumes). Each failure is one log line starting with its
// root cause, without repeated keys. And a member that was just given its partitions is ready at once,
// not after its first long-poll on a quiet topic.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import { eventually } from '@tributary/database/testing';
import { pino } from 'pino';
import { Type } from 'typebox';
import { ConsumerRunner } from '../../src/consumer/consumer-runner.ts';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { createEventRegistry } from '../../src/contracts/event-registry.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/kafka/kafka-transport.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import { deadLetterTopicOf, retryTopicOf } from '../../src/retry/retry-topics.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

const TaskCreated = defineEvent({
  type: 'test.fault.task.created',
  version: 1,
  topic: 'fault-tasks',
  key: 'taskId',
  schema: Type.Object({ taskId: Type.String() }),
});
const registry = createEventRegistry([TaskCreated]);
const silent = pino({ level: 'silent' });

/** A logger whose raw lines the test can read (to catch keys written twice, which JSON.parse would hide). */
function capturingLogger() {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) raw.push(line);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), raw, parsed: () => raw.map((line) => JSON.parse(line)) };
}

function transportFor(brokers: string[], logger: pino.Logger): KafkaTransport {
  return createKafkaTransport({
    brokers,
    clientId: `faults-${randomUUID().slice(0, 8)}`,
    logger,
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 3_000,
    maxWaitTimeMs: 100,
    requestTimeoutMs: 2_000,
    connectTimeoutMs: 500,
    clientRetries: 0,
    clientRetryDelayMs: 50,
  });
}

/**
 * Publishes until the handler has seen the event: a publish may fail while the client's metadata has not
 * caught up with a topic just (re)created, which is not what these tests are about.
 */
async function publishUntilHandled(
  publisher: EventPublisher,
  handled: string[],
  taskId: string,
): Promise<void> {
  await eventually(
    async () => {
      if (!handled.includes(taskId))
        await publisher.publishEvent(TaskCreated, { taskId }).catch(() => undefined);
      return handled.includes(taskId) ? true : undefined;
    },
    `event ${taskId} to be handled`,
    60_000,
  );
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `step`; when it fails, its error carries the last log lines (what the consumer was doing). */
async function withLogOnFailure<T>(raw: string[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(`${(error as Error).message}\nlast log lines:\n${raw.slice(-25).join('\n')}`, {
      cause: error,
    });
  }
}

/** What a test started, stopped in this order when it ends (whatever it got to start). */
interface Started {
  runner?: ConsumerRunner;
  publisher?: EventPublisher;
  transport?: KafkaTransport;
  proxy?: FaultProxy;
  broker?: Broker;
}

function stopWhenDone(t: TestContext, dirs: string[]): Started {
  const started: Started = {};
  t.after(async () => {
    await started.runner?.stop();
    await started.publisher?.close();
    await started.transport?.close();
    await started.proxy?.close();
    await started.broker?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return started;
}

/**
 * A broker on 127.0.0.2 that tells clients to use 127.0.0.1 on the same port, where a fault proxy listens
 * (so every connection, bootstrap or not, goes through the proxy), and a runner of `group` behind it that
 * has handled one event. Everything is stopped when the test ends.
 */
async function runnerBehindProxy(
  t: TestContext,
  group: string,
  runnerOptions: { staleFetchMs?: number } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), `tributary-${group}-`));
  const started = stopWhenDone(t, [dir]);
  const broker = await startBroker({
    host: '127.0.0.2',
    advertisedHost: '127.0.0.1',
    port: 0,
    dataDir: dir,
    logger: silent,
    groupMinSessionTimeoutMs: 500,
  });
  started.broker = broker;
  const proxy = await startFaultProxy({
    listenHost: '127.0.0.1',
    port: broker.port,
    targetHost: '127.0.0.2',
  });
  started.proxy = proxy;
  const { logger, raw, parsed } = capturingLogger();
  const transport = transportFor([`127.0.0.1:${broker.port}`], logger);
  started.transport = transport;
  const { runner, publisher, handled } = await runnerThatHandledOne(
    started,
    transport,
    group,
    logger,
    raw,
    runnerOptions,
  );
  return { proxy, runner, publisher, handled, raw, parsed };
}

/** A runner of `group` and a publisher on `transport`; returns once the runner has handled one event. */
async function runnerThatHandledOne(
  started: Started,
  transport: KafkaTransport,
  group: string,
  logger: pino.Logger,
  raw: string[],
  runnerOptions: { staleFetchMs?: number } = {},
) {
  const handled: string[] = [];
  const runner = new ConsumerRunner({ transport, group, registry, logger, ...runnerOptions });
  started.runner = runner;
  runner.subscribe(TaskCreated, (event) => {
    handled.push(event.data.taskId);
  });
  await withLogOnFailure(raw, () => within(runner.start(), 30_000, 'the runner to start'));
  const publisher = new EventPublisher({ transport, source: '/faults', registry, logger });
  started.publisher = publisher;
  await withLogOnFailure(raw, () => publishUntilHandled(publisher, handled, 'before'));
  return { runner, publisher, handled };
}

function assertLogHygiene(raw: string[]): void {
  for (const line of raw) {
    for (const key of ['component', 'correlationId', 'group', 'msg']) {
      const count = line.split(`"${key}":`).length - 1;
      assert.ok(count <= 1, `"${key}" appears ${count} times in ${line}`);
    }
    assert.doesNotMatch(line, /secretKey|processID|"_connectionError"/, `a client object in ${line}`);
  }
  const failures = raw.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40);
  for (const entry of failures) {
    assert.doesNotMatch(String(entry.msg), /^(undefined|\[object Object\]|Error)\b/, entry.msg);
  }
}

describe('consumer runner through broker faults', { timeout: 120_000 }, () => {
  it('after the broker lost its data, creates its topics again (retry and dead-letter too) and consumes on', async (t) => {
    const dirs = [
      await mkdtemp(join(tmpdir(), 'tributary-wiped-')),
      await mkdtemp(join(tmpdir(), 'tributary-wiped-')),
    ];
    const started = stopWhenDone(t, dirs);
    let broker = await startBroker({
      port: 0,
      dataDir: dirs[0],
      logger: silent,
      groupMinSessionTimeoutMs: 500,
    });
    started.broker = broker;
    const { port } = broker;
    const { logger, raw } = capturingLogger();
    const transport = transportFor([broker.address], logger);
    started.transport = transport;
    const { runner, publisher, handled } = await runnerThatHandledOne(
      started,
      transport,
      'wiped',
      logger,
      raw,
    );

    // The broker comes back on the same port with nothing: no topics, no group, no offsets.
    await broker.stop();
    // Without auto-creation, as on many clusters: only the runner can bring its topics back.
    broker = await startBroker({
      port,
      dataDir: dirs[1],
      logger: silent,
      groupMinSessionTimeoutMs: 500,
      autoCreateTopics: false,
    });
    started.broker = broker;

    await eventually(
      async () => {
        const [source, retry, dlq] = await Promise.all(
          [
            TaskCreated.topic,
            retryTopicOf(TaskCreated.topic, 'wiped'),
            deadLetterTopicOf(TaskCreated.topic, 'wiped'),
          ].map((topic) => transport.partitionCount(topic).catch(() => undefined)),
        );
        return source !== undefined && retry !== undefined && dlq !== undefined ? true : undefined;
      },
      'the topics to be created again',
      60_000,
    );
    await withLogOnFailure(raw, () => publishUntilHandled(publisher, handled, 'after'));
    await eventually(() => (runner.health().ok ? true : undefined), 'the runner to be healthy', 30_000);
    assertLogHygiene(raw);
  });

  it('is ready once its partitions are assigned, while its first long-poll on a quiet topic still waits', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-quiet-'));
    const started = stopWhenDone(t, [dir]);
    const broker = await startBroker({ port: 0, dataDir: dir, logger: silent });
    started.broker = broker;
    const { logger, raw } = capturingLogger();
    // Each fetch on the empty topic is held for 12 s: readiness that waited for one would take that long.
    const LONG_POLL_MS = 12_000;
    const transport = createKafkaTransport({
      brokers: [`127.0.0.1:${broker.port}`],
      clientId: `quiet-${randomUUID().slice(0, 8)}`,
      logger,
      maxWaitTimeMs: LONG_POLL_MS,
      requestTimeoutMs: 30_000,
    });
    started.transport = transport;
    await transport.ensureTopics([{ topic: TaskCreated.topic, partitions: 1 }]);
    const handled: string[] = [];
    const runner = new ConsumerRunner({ transport, group: 'quiet', registry, logger });
    started.runner = runner;
    runner.subscribe(TaskCreated, (event) => {
      handled.push(event.data.taskId);
    });
    const starting = Date.now();
    await withLogOnFailure(raw, () => within(runner.start(), 30_000, 'the runner to start'));
    await withLogOnFailure(raw, () =>
      eventually(() => (runner.health().ok ? true : undefined), 'the runner to be ready', 30_000),
    );
    const readyAfterMs = Date.now() - starting;
    assert.ok(readyAfterMs < LONG_POLL_MS - 2_000, `ready only after ${readyAfterMs} ms`);
    // The waiting fetch is answered as soon as a record arrives.
    const publisher = new EventPublisher({ transport, source: '/faults', registry, logger });
    started.publisher = publisher;
    await publisher.publishEvent(TaskCreated, { taskId: 'first' });
    await withLogOnFailure(raw, () =>
      eventually(() => (handled.includes('first') ? true : undefined), 'the event to be handled', 8_000),
    );
    assert.deepEqual(runner.health(), { ok: true });
  });

  it('while every fetch fails: not ready, also right after each rejoin; ready again once fetches succeed', async (t) => {
    const { proxy, runner, publisher, handled, raw, parsed } = await runnerBehindProxy(t, 'failing-fetch', {
      staleFetchMs: 1_000,
    });

    // Each fetch fails 1.5 s after it is sent: longer than the runner's staleness limit of 1 s.
    proxy.fetchFailsAfterMs = 1_500;
    const failures = () => parsed().filter((entry) => /consumer stream failed/.test(entry.msg)).length;
    await withLogOnFailure(raw, () =>
      eventually(() => (failures() >= 1 ? true : undefined), 'a fetch to fail', 30_000),
    );
    // Each failure is followed by a reopen and a rejoin, which hands the member its partitions again:
    // across two more failures it must never say ready.
    const seen = failures();
    const readyWhileFailing: string[] = [];
    await withLogOnFailure(raw, () =>
      eventually(
        () => {
          if (runner.health().ok) readyWhileFailing.push(new Date().toISOString());
          return failures() >= seen + 2 ? true : undefined;
        },
        'two more failed fetches',
        60_000,
      ),
    );
    assert.deepEqual(readyWhileFailing, [], 'ready while every fetch failed');

    proxy.fetchFailsAfterMs = undefined;
    await withLogOnFailure(raw, () =>
      eventually(() => (runner.health().ok ? true : undefined), 'the runner to be ready again', 60_000),
    );
    await withLogOnFailure(raw, () => publishUntilHandled(publisher, handled, 'after'));
  });

  it('when the group coordinator vanishes: not ready, the consumer is recreated, consuming resumes', async (t) => {
    const { proxy, runner, publisher, handled, raw, parsed } = await runnerBehindProxy(t, 'coordinated');
    assert.deepEqual(runner.health(), { ok: true });

    proxy.coordinatorDown = true;
    const unhealthy = await eventually(
      () => {
        const health = runner.health();
        return health.ok ? undefined : health;
      },
      'the runner to report the failure',
      30_000,
    );
    assert.match(String(unhealthy.detail), /coordinated|fetch/);
    await eventually(
      () => (parsed().some((entry) => /recreating the consumer/.test(entry.msg)) ? true : undefined),
      'the consumer to be recreated',
      60_000,
    );

    proxy.coordinatorDown = false;
    await eventually(() => (runner.health().ok ? true : undefined), 'the runner to be healthy again', 60_000);
    await withLogOnFailure(raw, () => publishUntilHandled(publisher, handled, 'after'));
    assert.ok(proxy.cut > 0);
    assertLogHygiene(raw);
  });
});
