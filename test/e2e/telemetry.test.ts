// Telemetry of both services wired as their server.ts wires them, in one process with one SDK whose spans go
// to an in-memory exporter: the broker over TCP, PGlite or PostgreSQL. One deactivation is one trace from
// the User Service's HTTP request to the Order Service's `orders` event, through a handler that fails twice
// (two rounds in the retry topic); a dead-lettered registration stays in its request's trace and its
// redrive links to it; log lines carry the trace ids; `/metrics` moves with the traffic.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { type Broker, startBroker } from '@tributary/broker';
import { contracts, Topics } from '@tributary/contracts';
import type { Database } from '@tributary/database';
import {
  ConsumerRunner,
  createKafkaTransport,
  createOutboxRelay,
  EventPublisher,
  INBOX_MIGRATIONS,
  type KafkaTransport,
  OUTBOX_MIGRATIONS,
  type OutboxRelay,
  type RecordReport,
  redriveDeadLetters,
} from '@tributary/messaging';
import {
  createLogger,
  loadMigrations,
  observeMessaging,
  openServiceDatabase,
  startTelemetry,
} from '@tributary/service-kit';
import parsePrometheus from 'parse-prometheus-text-format';
import { parse as parseYaml } from 'yaml';
import { subscribeToUserEvents } from '../../services/order-service/src/adapters/messaging/user-event-handlers.ts';
import { buildOrderApp } from '../../services/order-service/src/app.ts';
import type { Orders } from '../../services/order-service/src/application/orders.ts';
import { CONSUMER_GROUP } from '../../services/order-service/src/application/user-events.ts';
import { CE_SOURCE as USER_SOURCE } from '../../services/user-service/src/adapters/messaging/user-events.ts';
import { buildUserApp } from '../../services/user-service/src/app.ts';
import { metricsOf } from './support/promql-metrics.ts';

const exporter = new InMemorySpanExporter();
// Before any database or app exists, as in the services' server.ts.
const telemetry = await startTelemetry({
  serviceName: 'tributary-telemetry-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type LogLine = Record<string, unknown> & { msg?: string };

async function eventually<T>(fn: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class HandlerFault extends Error {
  readonly code = 'TEST_HANDLER_FAULT';
}

const spans = () => exporter.getFinishedSpans();
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
function one(found: ReadableSpan[], what: string): ReadableSpan {
  assert.equal(found.length, 1, `exactly one ${what}, found ${found.map((s) => s.name).join(', ')}`);
  return found[0]!;
}
function isDescendant(span: ReadableSpan, ancestor: ReadableSpan, all: ReadableSpan[]): boolean {
  const byId = new Map(all.map((s) => [idOf(s), s]));
  for (let at: ReadableSpan | undefined = span; at !== undefined; at = byId.get(parentOf(at) ?? '')) {
    if (parentOf(at) === idOf(ancestor)) return true;
  }
  return false;
}

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`telemetry end to end on ${kind}`, { timeout: 600_000 }, () => {
    const logs: LogLine[] = [];
    const cleanups: Array<() => Promise<unknown>> = [];
    const reports: RecordReport[] = [];
    /** userId → handler calls still to fail; while `gate` is set, handlers wait for it. */
    const faults = new Map<string, number>();
    let gate: Promise<void> | undefined;
    let broker: Broker;
    let users: string;
    let orders: string;
    let orderTransport: KafkaTransport;
    let orderRelay: OutboxRelay;
    /** Metric families seen on the services' /metrics. */
    const exported = new Set<string>();

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    });

    before(async () => {
      exporter.reset();
      const dataDir = await mkdtemp(join(tmpdir(), 'tributary-telemetry-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      broker = await startBroker({
        port: 0,
        metricsPort: 0,
        dataDir,
        logger: createLogger({ name: 'b', level: 'silent' }),
      });
      cleanups.push(() => broker.stop());
      const brokers = [`127.0.0.1:${broker.port}`];
      const logger = createLogger({
        name: 'services',
        level: 'info',
        destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
      });
      const open = async (service: string, extra: typeof OUTBOX_MIGRATIONS) => {
        const own = await loadMigrations(
          fileURLToPath(new URL(`../../services/${service}/migrations`, import.meta.url)),
        );
        const schema = `telemetry_${randomBytes(4).toString('hex')}`;
        const db = await openServiceDatabase({
          databaseUrl: kind === 'postgres' ? DATABASE_URL : undefined,
          schema,
          migrations: [...OUTBOX_MIGRATIONS, ...extra, ...own],
        });
        cleanups.push(async () => {
          if (kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await db.close();
        });
        return db;
      };
      const relayOf = async (db: Database, clientId: string) => {
        const transport = createKafkaTransport({ brokers, clientId, logger });
        cleanups.push(() => transport.close());
        const publisher = new EventPublisher({ transport, source: USER_SOURCE, logger });
        cleanups.push(() => publisher.close());
        const relay = createOutboxRelay({ db, publisher, logger, pollIntervalMs: 200 });
        await transport.ensureTopics([
          { topic: Topics.users, partitions: 1 },
          { topic: Topics.orders, partitions: 1 },
        ]);
        await relay.start();
        cleanups.push(() => relay.stop());
        return { transport, publisher, relay };
      };

      const userDb = await open('user-service', []);
      await relayOf(userDb, 'user-service');
      const { app: userApp } = await buildUserApp({ db: userDb, logger, metrics: telemetry.scrape });
      cleanups.push(() => userApp.close());
      users = await userApp.listen({ port: 0, host: '127.0.0.1' });

      const orderDb = await open('order-service', INBOX_MIGRATIONS);
      const orderSide = await relayOf(orderDb, 'order-service');
      orderTransport = orderSide.transport;
      orderRelay = orderSide.relay;
      const runner = new ConsumerRunner({
        transport: orderSide.transport,
        group: CONSUMER_GROUP,
        registry: contracts,
        logger,
        publisher: orderSide.publisher,
        retry: { inPlace: { attempts: 1 }, delaysMs: [100, 100] },
      });
      runner.on('record', (report) => reports.push(report));
      const { app: orderApp, orders: realOrders } = await buildOrderApp({
        db: orderDb,
        logger,
        metrics: telemetry.scrape,
      });
      cleanups.push(() => orderApp.close());
      // The Order Service's own handlers, over an Orders that fails (or waits) for chosen users.
      const faulty = async (userId: string) => {
        await gate;
        const left = faults.get(userId) ?? 0;
        if (left > 0) {
          faults.set(userId, left - 1);
          throw new HandlerFault(`injected failure for ${userId}`);
        }
      };
      const flaky = new Proxy(realOrders, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== 'function') return value;
          if (property === 'recordUserRegistered')
            return async (group: string, id: string, user: { userId: string }) => {
              await faulty(user.userId);
              return value.call(target, group, id, user);
            };
          if (property === 'recordUserDeactivated')
            return async (group: string, id: string, userId: string, ctx: unknown) => {
              await faulty(userId);
              return value.call(target, group, id, userId, ctx);
            };
          return value.bind(target);
        },
      }) as Orders;
      subscribeToUserEvents(runner, { orders: flaky });
      observeMessaging({ relay: orderSide.relay, runner, publisher: orderSide.publisher });
      await runner.start();
      cleanups.push(() => runner.stop());
      orders = await orderApp.listen({ port: 0, host: '127.0.0.1' });
    });

    const post = (url: string, body?: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const register = async (email: string) => {
      const res = await post(`${users}/users`, { email, name: 'Telemetry Test' });
      assert.equal(res.status, 201);
      return ((await res.json()) as { id: string }).id;
    };
    const reported = (userId: string, eventType: string, outcome: RecordReport['outcome']) =>
      eventually(
        () =>
          reports.find((r) => r.key === userId && r.eventType?.includes(eventType) && r.outcome === outcome),
        `${eventType} of ${userId} ${outcome}`,
      );
    const serverSpan = (route: string, userId?: string) =>
      one(
        spans().filter(
          (s) =>
            s.kind === SpanKind.SERVER &&
            s.name === `POST ${route}` &&
            (userId === undefined || String(s.attributes['url.path']).includes(userId)),
        ),
        `POST ${route} span`,
      );

    it('follows a deactivation from HTTP to the orders topic in one trace, through two failed rounds', async () => {
      const userId = await register(`trace-${randomBytes(3).toString('hex')}@example.com`);
      await reported(userId, 'user.registered', 'handled');
      const placed = await post(`${orders}/orders`, {
        userId,
        items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 999 }],
      });
      assert.equal(placed.status, 201);
      faults.set(userId, 2);
      assert.equal((await post(`${users}/users/${userId}/deactivate`)).status, 200);
      await reported(userId, 'user.deactivated', 'handled');
      const http = serverSpan('/users/:id/deactivate');
      const traceId = http.spanContext().traceId;
      const inTrace = () => spans().filter((s) => s.spanContext().traceId === traceId);
      const sendOrders = await eventually(
        () => inTrace().find((s) => s.name === `send ${Topics.orders}`),
        'the send of the orders event',
      );
      const trace = inTrace();
      assert.equal(http.attributes['http.route'], '/users/:id/deactivate');

      // User Service: HTTP → transaction → outbox row (the creation context) → relay send.
      const createUsers = one(
        trace.filter((s) => s.name === `create ${Topics.users}`),
        'create users span',
      );
      const userTx = one(
        trace.filter((s) => s.name === 'TRANSACTION' && isDescendant(createUsers, s, trace)),
        'user transaction',
      );
      assert.ok(isDescendant(userTx, http, trace), 'the transaction runs inside the request');
      const sendUsers = one(
        trace.filter((s) => s.name === `send ${Topics.users}`),
        'send users span',
      );
      assert.equal(parentOf(sendUsers), idOf(createUsers), 'the relay continues the creation context');
      assert.equal(sendUsers.kind, SpanKind.PRODUCER);
      assert.equal(sendUsers.attributes['messaging.system'], 'kafka');
      assert.equal(sendUsers.attributes['messaging.destination.name'], Topics.users);
      assert.equal(sendUsers.attributes['messaging.kafka.message.key'], userId);

      // Order Service: three rounds (users, then the retry topic twice), each a child of the send before it.
      const retryTopic = `${Topics.users}.${CONSUMER_GROUP}.retry`;
      const first = one(
        trace.filter((s) => s.name === `process ${Topics.users}`),
        'process users span',
      );
      assert.equal(parentOf(first), idOf(sendUsers));
      assert.equal(first.kind, SpanKind.CONSUMER);
      for (const [name, value] of Object.entries({
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': Topics.users,
        'messaging.destination.partition.id': '0',
        'messaging.kafka.message.key': userId,
        'messaging.consumer.group.name': CONSUMER_GROUP,
        'error.type': 'TEST_HANDLER_FAULT',
      })) {
        assert.equal(first.attributes[name], value, name);
      }
      assert.equal(typeof first.attributes['messaging.kafka.offset'], 'number');
      assert.equal(first.status.code, SpanStatusCode.ERROR);
      let previous = first;
      const rounds = [first];
      for (let round = 2; round <= 3; round++) {
        const moved = one(
          trace.filter((s) => s.name === `send ${retryTopic}` && parentOf(s) === idOf(previous)),
          `retry send after round ${round - 1}`,
        );
        previous = one(
          trace.filter((s) => s.name === `process ${retryTopic}` && parentOf(s) === idOf(moved)),
          `round ${round}`,
        );
        rounds.push(previous);
      }
      assert.equal(rounds[1]!.attributes['error.type'], 'TEST_HANDLER_FAULT');
      assert.equal(rounds[2]!.attributes['error.type'], undefined, 'the third round succeeds');
      assert.equal(rounds[2]!.status.code, SpanStatusCode.UNSET);

      // ...whose transaction enqueues the cancellation, which the Order Service's relay sends to `orders`.
      const createOrders = one(
        trace.filter((s) => s.name === `create ${Topics.orders}`),
        'create orders span',
      );
      assert.ok(isDescendant(createOrders, rounds[2]!, trace), 'the handler enqueued it');
      assert.ok(
        trace.some((s) => s.name === 'TRANSACTION' && isDescendant(createOrders, s, trace)),
        'inside the handler transaction',
      );
      assert.equal(parentOf(sendOrders), idOf(createOrders));
      if (kind === 'postgres') {
        assert.ok(
          trace.some((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-pg'),
          'statements traced by the pg instrumentation',
        );
      } else {
        assert.ok(trace.some((s) => s.name === 'UPDATE' && s.attributes['db.system.name'] === 'postgresql'));
      }
      assert.equal(http.resource.attributes['service.name'], 'tributary-telemetry-test');

      // Log lines written inside the flow carry its trace id and the span they were written in.
      const applied = logs.find(
        (l) => l.msg === 'user event applied' && l.trace_id === traceId && l.eventType !== undefined,
      );
      assert.ok(applied, 'the handler log line carries the trace id');
      assert.equal(applied.span_id, idOf(rounds[2]!));
      const failedRound = logs.find((l) => l.msg === 'retry-scheduled' && l.trace_id === traceId);
      assert.ok(failedRound, 'the retry line carries the trace id');
      assert.ok(
        logs.some((l) => l.msg === 'request completed' && l.trace_id === traceId),
        'the HTTP request log line carries the trace id',
      );
    });

    it('keeps a dead-lettered event in its request trace, and links its redrive to it', async () => {
      const userId = await register(`dlq-${randomBytes(3).toString('hex')}@example.com`);
      faults.set(userId, 1_000);
      await reported(userId, 'user.registered', 'dead-lettered');
      const dlqTopic = `${Topics.users}.${CONSUMER_GROUP}.dlq`;
      const deadLettered = await eventually(
        () =>
          spans().find(
            (s) => s.name === `send ${dlqTopic}` && s.attributes['messaging.kafka.message.key'] === userId,
          ),
        'the dead-letter send',
      );
      const traceId = deadLettered.spanContext().traceId;
      const trace = spans().filter((s) => s.spanContext().traceId === traceId);
      assert.ok(
        trace.some((s) => s.kind === SpanKind.SERVER && s.name === 'POST /users'),
        'the dead letter is in the trace of the registration request',
      );
      const lastRound = one(
        trace.filter((s) => idOf(s) === parentOf(deadLettered)),
        'the round that dead-lettered',
      );
      assert.equal(lastRound.attributes['error.type'], 'TEST_HANDLER_FAULT');
      assert.equal(lastRound.attributes['tributary.outcome'], 'dead-lettered');

      faults.delete(userId);
      const result = await redriveDeadLetters({
        transport: orderTransport,
        topic: Topics.users,
        group: CONSUMER_GROUP,
        filter: { keys: [userId] },
        dryRun: false,
      });
      assert.equal(result.moved, 1);
      await reported(userId, 'user.registered', 'handled');
      const redrive = one(
        spans().filter((s) => s.attributes['messaging.operation.name'] === 'redrive'),
        'redrive span',
      );
      assert.notEqual(redrive.spanContext().traceId, traceId, 'a redrive is work of its own');
      assert.deepEqual(
        redrive.links.map((l) => [l.context.traceId, l.context.spanId]),
        [[traceId, idOf(deadLettered)]],
        'linked to the dead-letter move',
      );
      const handled = await eventually(
        () => spans().find((s) => s.name === `process ${Topics.users}` && parentOf(s) === idOf(redrive)),
        'the redriven record processed',
      );
      assert.equal(handled.attributes['error.type'], undefined);
    });

    it('serves Prometheus metrics that move with the traffic: requests, messages, lag and dead letters', async () => {
      type Family = ReturnType<typeof parsePrometheus>[number];
      type Scrape = Family[] & { text: string };
      const scrape = async (base: string): Promise<Scrape> => {
        const res = await fetch(`${base}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        const families = parsePrometheus(text);
        for (const f of families) exported.add(f.name);
        return Object.assign(families, { text });
      };
      const family = (families: Family[], name: string) => {
        const found = families.find((f) => f.name === name);
        assert.ok(found, `${name} is exported (have: ${families.map((f) => f.name).join(', ')})`);
        return found;
      };
      const value = (families: Family[], name: string, labels: Record<string, string>) => {
        const metrics = family(families, name).metrics;
        return metrics
          .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
          .reduce((sum, m) => sum + Number(m.value ?? 0), 0);
      };
      const registrations = (scraped: Scrape) => {
        const name = 'http_server_request_duration_seconds';
        assert.equal(family(scraped, name).type, 'HISTOGRAM');
        // The parser folds a labelled histogram into one sample: its `_count` series are parsed on their own,
        // each line with its newline (the parser drops a last line without one).
        const counts = parsePrometheus(
          scraped.text
            .split('\n')
            .filter((line) => line.startsWith(`${name}_count{`))
            .map((line) => `${line}\n`)
            .join(''),
        );
        return value(counts, `${name}_count`, { http_route: '/users', http_response_status_code: '201' });
      };
      const before = await scrape(users);
      await register(`metrics-${randomBytes(3).toString('hex')}@example.com`);
      const afterOne = await scrape(users);
      assert.equal(registrations(afterOne), registrations(before) + 1);

      const families = await scrape(orders);
      for (const name of [
        'messaging_client_consumed_messages_total',
        'messaging_client_sent_messages_total',
        'messaging_process_duration_seconds',
        'messaging_client_operation_duration_seconds',
        'tributary_messaging_retries_total',
        'tributary_messaging_dead_letters_total',
        'tributary_messaging_redrives_total',
        'tributary_outbox_pending',
        'tributary_outbox_oldest_age_seconds',
        'tributary_messaging_circuit_state',
        'messaging_kafka_consumer_lag',
      ]) {
        family(families, name);
      }
      assert.ok(
        value(families, 'tributary_messaging_dead_letters_total', {
          cloudevents_event_type: 'tributary.user.registered.v1',
        }) >= 1,
      );
      assert.equal(value(families, 'tributary_messaging_circuit_state', { state: 'closed' }), 1);
      assert.ok(
        value(families, 'messaging_client_consumed_messages_total', {
          messaging_destination_name: Topics.users,
          tributary_outcome: 'handled',
        }) >= 2,
      );

      // An event delivered again is skipped by the inbox, and counted.
      const [first] = await orderTransport.readTopic(Topics.users);
      assert.ok(first);
      const again = orderTransport.createPublisher();
      await again.publishRaw({
        topic: Topics.users,
        key: first.key,
        value: first.value,
        headers: first.headers,
      });
      await again.close();
      await eventually(async () => {
        const scraped = await scrape(orders);
        if (!scraped.some((f) => f.name === 'tributary_messaging_inbox_duplicates_total')) return undefined;
        const n = value(scraped, 'tributary_messaging_inbox_duplicates_total', {
          messaging_consumer_group_name: CONSUMER_GROUP,
        });
        return n >= 1 ? n : undefined;
      }, 'the duplicate counted');

      // The consumer is held on one registration: it and the records behind it are lag until it goes on.
      const lag = async () =>
        value(await scrape(orders), 'messaging_kafka_consumer_lag', {
          messaging_destination_name: Topics.users,
        });
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      for (let i = 0; i < 3; i++) await register(`lag-${i}-${randomBytes(3).toString('hex')}@example.com`);
      const held = await eventually(async () => {
        const now = await lag();
        return now >= 3 ? now : undefined;
      }, 'lag to reach the 3 held registrations');
      assert.ok(held >= 3);
      gate = undefined;
      release();
      await eventually(async () => ((await lag()) === 0 ? true : undefined), 'lag back to 0');
      await orderRelay.flushed();
    });

    // On PostgreSQL, where the services export everything (PGlite has no connection pool to report).
    if (kind === 'postgres')
      it('names in every dashboard query and alert rule a metric the services or the broker export', async () => {
        assert.ok(exported.has('tributary_messaging_inbox_duplicates_total'), 'the metrics test ran first');
        // The broker's names come from its own /metrics, after the traffic above.
        const brokerMetrics = await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`);
        assert.equal(brokerMetrics.status, 200);
        const brokerFamilies = parsePrometheus(await brokerMetrics.text()).map((f) => f.name);
        assert.ok(brokerFamilies.includes('tributary_broker_group_lag'), 'the broker reports group lag');
        for (const name of brokerFamilies) exported.add(name);
        const deploy = new URL('../../deploy/', import.meta.url);
        const queries: Array<{ where: string; expr: string }> = [];
        const walk = (node: unknown, where: string) => {
          if (Array.isArray(node)) {
            for (const [i, item] of node.entries()) walk(item, `${where}[${i}]`);
          } else if (node !== null && typeof node === 'object') {
            for (const [key, child] of Object.entries(node)) {
              if ((key === 'expr' || key === 'query') && typeof child === 'string')
                queries.push({ where, expr: child });
              else if (key === 'query' && child !== null && typeof child === 'object' && 'query' in child)
                queries.push({ where, expr: String((child as { query: unknown }).query) });
              else walk(child, `${where}.${key}`);
            }
          }
        };
        const dashboards = new URL('grafana/dashboards/', deploy);
        const files = (await readdir(dashboards)).filter((f) => f.endsWith('.json'));
        assert.ok(files.length >= 3, 'the services, messaging and broker dashboards');
        for (const file of files) walk(JSON.parse(await readFile(new URL(file, dashboards), 'utf8')), file);
        walk(parseYaml(await readFile(new URL('prometheus/alerts.yml', deploy), 'utf8')), 'alerts.yml');
        assert.ok(queries.length > 20);
        const unknown: string[] = [];
        for (const { where, expr } of queries) {
          if (expr === 'prometheus') continue; // the data source variable's plugin type
          for (const name of metricsOf(expr)) {
            const family = name.replace(/_(bucket|count|sum)$/, '');
            if (!exported.has(name) && !exported.has(family)) unknown.push(`${where}: ${name}`);
          }
        }
        assert.deepEqual(
          unknown,
          [],
          `queries naming metrics nobody exports (exported: ${[...exported].join(', ')})`,
        );
      });
  });
}
