// The broker's Prometheus endpoint, scraped over HTTP and read with a Prometheus text parser while kafkajs
// produces and consumes over TCP: request, byte, error and fsync series move with the traffic, partition
// and group gauges follow the log and the committed offsets, and a group's lag rises while its consumer is
// stopped and falls back to 0 when it resumes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type Consumer, Kafka, logLevel, Partitioners } from 'kafkajs';
import parsePrometheus, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';

const BROKER_MODULE = new URL('../../src/index.ts', import.meta.url).href;
// Generous: a loaded 2-core machine; each wait ends as soon as the series shows the value.
const WAIT_MS = 60_000;

describe('broker /metrics', { timeout: 300_000 }, () => {
  let fixture: BrokerFixture;
  let kafka: Kafka;
  const consumers: Consumer[] = [];

  before(async () => {
    fixture = await brokerFixture({ metricsPort: 0 });
    kafka = new Kafka({
      clientId: 'metrics-test',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
  });
  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {});
    await fixture.stop();
  });

  const url = (path = '/metrics') => `http://127.0.0.1:${fixture.broker.metricsPort}${path}`;
  type Scrape = PrometheusFamily[] & { text: string };
  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(url());
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return Object.assign(parsePrometheus(text), { text });
  };
  const family = (families: PrometheusFamily[], name: string) => {
    const found = families.find((f) => f.name === name);
    assert.ok(found, `${name} is exported`);
    return found;
  };
  const matching = (families: PrometheusFamily[], name: string, labels: Record<string, string>) =>
    family(families, name).metrics.filter((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
    );
  /** The sum of a counter's or gauge's series with these labels (a histogram: of their counts). */
  const value = (families: PrometheusFamily[], name: string, labels: Record<string, string> = {}) =>
    matching(families, name, labels).reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
  /** Observations of a labelled histogram's series (the parser folds those into one sample: read `_count`). */
  const observations = (scraped: Scrape, name: string, labels: Record<string, string>) => {
    // Each line ends with its newline: the parser drops a last line without one.
    const counts = scraped.text
      .split('\n')
      .filter((line) => line.startsWith(`${name}_count{`))
      .map((line) => `${line}\n`)
      .join('');
    return counts === '' ? 0 : value(parsePrometheus(counts), `${name}_count`, labels);
  };
  const current = async (name: string, labels: Record<string, string> = {}) =>
    value(await scrape(), name, labels);

  const produce = async (topic: string, count: number, from = 0) => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => ({
          key: `k${(from + i) % 5}`,
          value: `v${from + i}`,
        })),
      });
    } finally {
      await producer.disconnect();
    }
  };

  it('is off unless a metrics port is set', async () => {
    const plain = await brokerFixture();
    try {
      assert.equal(plain.broker.metricsPort, undefined);
    } finally {
      await plain.stop();
    }
    assert.equal(typeof fixture.broker.metricsPort, 'number');
    assert.notEqual(fixture.broker.metricsPort, fixture.broker.port);
    assert.equal((await fetch(url('/'))).status, 404);
    assert.equal((await fetch(url(), { method: 'POST' })).status, 405);
  });

  it('loads the metrics library only when a metrics port is set (the broker starts fast without it)', async () => {
    const loadsLibrary = (options: string) => {
      // A process of its own: this one has loaded the library already.
      const script = `
        import { createRequire } from 'node:module';
        import { mkdtempSync, rmSync } from 'node:fs';
        import { tmpdir } from 'node:os';
        import { join } from 'node:path';
        const { startBroker } = await import(${JSON.stringify(BROKER_MODULE)});
        const dataDir = mkdtempSync(join(tmpdir(), 'tributary-lazy-'));
        const broker = await startBroker({ port: 0, dataDir, logLevel: 'silent', ...${options} });
        const cache = createRequire(import.meta.url).cache;
        const loaded = Object.keys(cache).some((file) => file.includes('prom-client'));
        await broker.stop();
        rmSync(dataDir, { recursive: true, force: true });
        process.stdout.write(String(loaded));
      `;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    assert.equal(loadsLibrary('{}'), 'false');
    assert.equal(loadsLibrary('{ metricsPort: 0 }'), 'true');
  });

  it('counts requests, bytes and fsyncs as records are produced, and reports the partitions', async () => {
    const before = await scrape();
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }] }), true);
      // Creating it again is answered with TOPIC_ALREADY_EXISTS: an error the broker counts.
      assert.equal(await admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }] }), false);
      // An open connection is counted.
      assert.ok((await current('tributary_broker_connections')) >= 1);
    } finally {
      await admin.disconnect();
    }
    await produce('metered', 20);
    const after = await scrape();
    const grew = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);

    assert.ok(grew('tributary_broker_requests_total', { api: 'Produce' }) >= 1, 'Produce requests counted');
    assert.ok(grew('tributary_broker_requests_total', { api: 'Metadata' }) >= 1, 'Metadata requests counted');
    assert.ok(
      matching(after, 'tributary_broker_requests_total', { api: 'Produce' }).every((m) =>
        /^\d+$/.test(m.labels?.version ?? ''),
      ),
      'by version',
    );
    assert.ok(grew('tributary_broker_request_bytes_total', { api: 'Produce' }) > 20 * 4, 'bytes in');
    assert.ok(grew('tributary_broker_response_bytes_total', { api: 'Produce' }) > 0, 'bytes out');
    assert.equal(family(after, 'tributary_broker_request_duration_seconds').type, 'HISTOGRAM');
    const produceLatency = (s: Scrape) =>
      observations(s, 'tributary_broker_request_duration_seconds', { api: 'Produce' });
    assert.ok(produceLatency(after) - produceLatency(before) >= 1, 'latency observed');
    assert.equal(
      grew('tributary_broker_request_errors_total', { api: 'CreateTopics', error: 'TOPIC_ALREADY_EXISTS' }),
      1,
    );
    assert.equal(family(after, 'tributary_broker_fsync_duration_seconds').type, 'HISTOGRAM');
    // acks=-1 under the default interval flush policy waits for an fdatasync of the partitions it wrote.
    assert.ok(grew('tributary_broker_fsync_duration_seconds') >= 1, 'fsyncs observed');
    assert.equal(value(after, 'tributary_broker_fsync_failures_total'), 0);

    assert.ok(value(after, 'tributary_broker_topics') >= 1);
    assert.ok(value(after, 'tributary_broker_partitions') >= 2);
    assert.equal(value(after, 'tributary_broker_offline_partitions'), 0);
    assert.equal(value(after, 'tributary_broker_log_end_offset', { topic: 'metered' }), 20);
    assert.equal(matching(after, 'tributary_broker_log_size_bytes', { topic: 'metered' }).length, 2);
    assert.ok(value(after, 'tributary_broker_log_size_bytes', { topic: 'metered' }) > 20 * 4);
  });

  it('counts a refused request by its error, and labels nothing with client ids or addresses', async () => {
    const beforeErrors = await current('tributary_broker_request_errors_total', { error: 'UNKNOWN_API_KEY' });
    // A frame with API key 999 closes the connection; the broker counts it under api="unknown".
    const { connect } = await import('node:net');
    const socket = connect(fixture.broker.port, '127.0.0.1');
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(999, 4);
    frame.writeInt16BE(0, 6);
    frame.writeInt32BE(1, 8);
    frame.writeInt16BE(-1, 12);
    socket.end(frame);
    await new Promise((resolve) => socket.on('close', resolve).on('error', resolve));
    await eventually(
      async () =>
        (await current('tributary_broker_request_errors_total', {
          api: 'unknown',
          error: 'UNKNOWN_API_KEY',
        })) ===
        beforeErrors + 1,
      WAIT_MS,
      'the refused request counted',
    );
    const labelNames = new Set(
      (await scrape())
        .filter((f) => f.name.startsWith('tributary_broker_'))
        .flatMap((f) => f.metrics.flatMap((m) => Object.keys(m.labels ?? {}))),
    );
    for (const name of labelNames)
      assert.ok(
        ['api', 'version', 'error', 'topic', 'partition', 'group', 'state', 'le'].includes(name),
        `label ${name}`,
      );
  });

  it('reports a group: its committed offsets, its state, and lag that rises while it is stopped', async () => {
    const topic = 'lagging';
    const group = 'metrics-group';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    await produce(topic, 10);

    let consumed = 0;
    const start = async () => {
      const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      // kafkajs commits after each processed batch.
      await consumer.run({
        eachMessage: async () => {
          consumed++;
        },
      });
      return consumer;
    };
    const lag = () => current('tributary_broker_group_lag', { group, topic });
    const committed = () => current('tributary_broker_group_committed_offset', { group, topic });

    const first = await start();
    await eventually(async () => (await committed()) === 10, WAIT_MS, 'the group to commit all 10 records');
    assert.equal(await lag(), 0);
    await eventually(
      async () => (await current('tributary_broker_groups', { state: 'Stable' })) >= 1,
      WAIT_MS,
      'a Stable group',
    );

    // Stopped after committing: what is produced now is lag, and stays lag.
    await first.disconnect();
    await eventually(
      async () => (await current('tributary_broker_groups', { state: 'Empty' })) >= 1,
      WAIT_MS,
      'the group to be Empty',
    );
    await produce(topic, 7, 10);
    await eventually(async () => (await lag()) === 7, WAIT_MS, 'lag to reach the 7 new records');
    assert.equal(await committed(), 10);
    assert.equal(matching(await scrape(), 'tributary_broker_group_lag', { group, topic }).length, 2);

    // Resumed: it catches up, commits, and the lag returns to 0.
    await start();
    await eventually(async () => (await lag()) === 0, WAIT_MS, 'lag back to 0');
    assert.equal(await committed(), 17);
    assert.ok(consumed >= 17);
  });
});
