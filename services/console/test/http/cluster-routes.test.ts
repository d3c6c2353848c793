// The cluster, topic and message API against our broker: pages by offset, time and latest, filters, the
// live tail, and clear 4xx answers for what cannot be served.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { eventually, useConsole } from '../support/console-fixture.ts';

const fx = useConsole();

describe('cluster and messages API', { timeout: 120_000 }, () => {
  let firstAt = 0;
  before(async () => {
    await fx.context.cluster.createTopic('events', 2);
    firstAt = Date.now();
    await fx.context.cluster.produce(
      Array.from({ length: 30 }, (_, i) => ({
        topic: 'events',
        partition: 0,
        key: `k${i % 3}`,
        value: Buffer.from(
          i === 7
            ? 'not json at all'
            : JSON.stringify({
                userId: `u${i}`,
                email: `u${i}@example.com`,
                name: `User ${i}`,
                registeredAt: new Date().toISOString(),
              }),
        ),
        headers: {
          ce_id: `event-${i}`,
          ce_type: 'tributary.user.registered.v1',
          ce_source: 'test',
          'correlation-id': `corr-${i}`,
          traceparent: `00-${String(i).padStart(32, 'a')}-00f067aa0ba902b7-01`,
          ...(i % 2 === 0 ? { flag: 'even' } : {}),
        },
      })),
    );
  });

  it('lists brokers and topics with partitions and message counts', async () => {
    const res = await fx.app.inject('/api/cluster');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.brokers.length, 1);
    const topic = body.topics.find((t: { name: string }) => t.name === 'events');
    assert.deepEqual(
      { partitions: topic.partitions, messages: topic.messages },
      { partitions: 2, messages: 30 },
    );
  });

  it('describes a topic: offsets per partition and its configs', async () => {
    const body = (await fx.app.inject('/api/topics/events')).json();
    assert.deepEqual(
      body.partitions.map((p: { start: string; end: string }) => [p.start, p.end]),
      [
        ['0', '30'],
        ['0', '0'],
      ],
    );
    assert.ok(body.configs.some((c: { name: string }) => c.name === 'retention.ms'));
  });

  it('answers 404 TOPIC_NOT_FOUND for an unknown topic, on every topic route', async () => {
    for (const url of [
      '/api/topics/nope',
      '/api/topics/nope/partitions/0/messages',
      '/api/topics/nope/tail',
    ]) {
      const res = await fx.app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'TOPIC_NOT_FOUND');
    }
  });

  it('pages a partition from an offset and says where the next page starts', async () => {
    const body = (await fx.app.inject('/api/topics/events/partitions/0/messages?offset=10&limit=5')).json();
    assert.deepEqual(
      body.messages.map((m: { offset: string }) => m.offset),
      ['10', '11', '12', '13', '14'],
    );
    assert.equal(body.nextOffset, '15');
    const m = body.messages[0];
    assert.equal(m.key, 'k1');
    assert.equal(m.cloudEvent.id, 'event-10');
    assert.equal(m.cloudEvent.type, 'tributary.user.registered.v1');
    assert.deepEqual(m.contract, {
      ceType: 'tributary.user.registered.v1',
      version: 1,
      valid: true,
      issues: [],
    });
    assert.equal(m.correlationId, 'corr-10');
    assert.equal(m.traceId, '10'.padStart(32, 'a'));
  });

  it('shows the latest records, and the first at or after a time', async () => {
    const latest = (
      await fx.app.inject('/api/topics/events/partitions/0/messages?position=latest&limit=3')
    ).json();
    assert.deepEqual(
      latest.messages.map((m: { offset: string }) => m.offset),
      ['27', '28', '29'],
    );
    assert.equal(latest.nextOffset, null);
    const future = (
      await fx.app.inject(`/api/topics/events/partitions/0/messages?timestamp=${Date.now() + 3_600_000}`)
    ).json();
    assert.equal(future.messages.length, 0);
    const past = (
      await fx.app.inject(
        `/api/topics/events/partitions/0/messages?timestamp=${new Date(firstAt - 60_000).toISOString()}&limit=1`,
      )
    ).json();
    assert.equal(past.messages[0].offset, '0');
  });

  it('filters by key, header and text, keeping non-JSON values as text', async () => {
    const byKey = (await fx.app.inject('/api/topics/events/partitions/0/messages?key=k2&limit=100')).json();
    assert.equal(byKey.messages.length, 10);
    assert.ok(byKey.messages.every((m: { key: string }) => m.key === 'k2'));
    const byHeader = (
      await fx.app.inject('/api/topics/events/partitions/0/messages?header=flag%3Deven&limit=100')
    ).json();
    assert.equal(byHeader.messages.length, 15);
    const byText = (await fx.app.inject('/api/topics/events/partitions/0/messages?text=NOT%20JSON')).json();
    assert.equal(byText.messages.length, 1);
    assert.equal(byText.messages[0].json, null);
    assert.equal(byText.messages[0].text, 'not json at all');
    const latestMatches = (
      await fx.app.inject('/api/topics/events/partitions/0/messages?position=latest&key=k0&limit=2')
    ).json();
    assert.deepEqual(
      latestMatches.messages.map((m: { offset: string }) => m.offset),
      ['24', '27'],
    );
  });

  it('rejects what cannot be served with a clear 4xx', async () => {
    const cases: [string, number, string][] = [
      ['/api/topics/events/partitions/0/messages?offset=31', 400, 'OFFSET_OUT_OF_RANGE'],
      ['/api/topics/events/partitions/9/messages', 404, 'PARTITION_NOT_FOUND'],
      ['/api/topics/events/partitions/0/messages?header=%3Dx', 400, 'INVALID_FILTER'],
      ['/api/topics/events/partitions/0/messages?offset=1&position=latest', 400, 'INVALID_FILTER'],
      ['/api/topics/events/partitions/0/messages?timestamp=yesterday', 400, 'INVALID_FILTER'],
      ['/api/topics/events/partitions/0/messages?offset=-1', 400, 'VALIDATION_FAILED'],
      ['/api/topics/events/partitions/0/messages?limit=100000', 400, 'VALIDATION_FAILED'],
      ['/api/topics/events/partitions/0/messages?colour=red', 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const res = await fx.app.inject(url);
      assert.equal(res.statusCode, status, url);
      assert.equal(res.json().code, code, url);
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
    }
  });

  it('tails a topic live: a record produced after the client connects arrives as a server-sent event', async () => {
    await fx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fx.app.server.address() as { port: number };
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/topics/events/tail`, { signal: abort.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    await reader.read();
    await fx.context.cluster.produce([
      { topic: 'events', partition: 1, key: 'live', value: Buffer.from('{"live":true}'), headers: {} },
    ]);
    await eventually('the tailed record', async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? new Uint8Array()).toString();
      return text.includes('"key":"live"') ? true : undefined;
    });
    assert.match(text, /event: message\ndata: \{"topic":"events","partition":1,"offset":"0"/);
    abort.abort();
  });
});
