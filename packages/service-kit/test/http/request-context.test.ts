import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type App, createApp, createLogger } from '../../src/index.ts';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _encoding, callback) {
    for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
    callback();
  },
});

let app: App;
let counter = 0;

before(async () => {
  app = await createApp({
    logger: createLogger({ name: 'ctx-test', level: 'info', destination: sink }),
    generateId: () => `generated-${++counter}`,
  });
  app.get('/echo', async (request) => {
    request.log.info('handler ran');
    return { correlationId: request.correlationId, requestId: request.id };
  });
  await app.ready();
});

after(() => app.close());

function linesFor(requestId: string) {
  return lines.filter((line) => line.requestId === requestId);
}

describe('request and correlation ids', () => {
  test('accepts x-correlation-id and x-request-id, returns them and binds them into every request log line', async () => {
    const response = await app.inject({
      url: '/echo',
      headers: { 'x-correlation-id': 'order-flow-42', 'x-request-id': 'req-abc' },
    });
    assert.equal(response.headers['x-correlation-id'], 'order-flow-42');
    assert.equal(response.headers['x-request-id'], 'req-abc');
    assert.deepEqual(response.json(), { correlationId: 'order-flow-42', requestId: 'req-abc' });
    const logged = linesFor('req-abc');
    const messages = logged.map((line) => line.msg);
    assert.ok(messages.includes('incoming request'), JSON.stringify(messages));
    assert.ok(messages.includes('handler ran'));
    assert.ok(messages.includes('request completed'));
    for (const line of logged) {
      assert.equal(line.correlationId, 'order-flow-42');
      assert.equal(line.component, 'http');
      assert.equal(line.name, 'ctx-test');
    }
  });

  test('generates both ids when the caller sends none', async () => {
    const response = await app.inject({ url: '/echo' });
    const body = response.json();
    assert.match(body.correlationId, /^generated-\d+$/);
    assert.match(body.requestId, /^generated-\d+$/);
    assert.notEqual(body.correlationId, body.requestId);
    assert.equal(response.headers['x-correlation-id'], body.correlationId);
    assert.equal(response.headers['x-request-id'], body.requestId);
    assert.ok(linesFor(body.requestId).every((line) => line.correlationId === body.correlationId));
  });

  test('replaces ids that are not short printable tokens', async () => {
    const response = await app.inject({
      url: '/echo',
      headers: { 'x-correlation-id': 'x'.repeat(500), 'x-request-id': 'has spaces and "quotes"' },
    });
    assert.match(String(response.headers['x-correlation-id']), /^generated-\d+$/);
    assert.match(String(response.headers['x-request-id']), /^generated-\d+$/);
  });

  test('error responses carry the ids too', async () => {
    const response = await app.inject({ url: '/missing', headers: { 'x-correlation-id': 'c-404' } });
    assert.equal(response.statusCode, 404);
    assert.equal(response.headers['x-correlation-id'], 'c-404');
    assert.ok(response.headers['x-request-id']);
  });

  test('health probes are not request-logged', async () => {
    const response = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'probe-1' } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(linesFor('probe-1'), []);
  });
});
