// One error code, one status and title: errors without an HTTP status of their own become problem+json
// through the registry; Retry-After for retryable ones; JSON nested too deep refused before parsing; a
// client trickling its request is cut off at the request time limit.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import {
  type App,
  CodedError,
  createApp,
  createLogger,
  jsonDepthExceeds,
  PLATFORM_PROBLEM_TYPES,
  ProblemTypeConflictError,
  ProblemTypeRegistry,
} from '../../src/index.ts';

class DomainRuleError extends Error {
  readonly code = 'ORDER_TOO_BIG';
}

describe('the problem type registry', () => {
  let app: App | undefined;
  let port = 0;
  after(() => app?.close());
  before(async () => {
    app = await createApp({
      logger: createLogger({ name: 'registry', level: 'silent' }),
      problemTypes: {
        ORDER_TOO_BIG: { status: 422, title: 'Order too big' },
        STOCK_LATER: { status: 409, title: 'Stock arrives later' },
      },
      timeouts: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 },
    });
    app.post('/domain', async () => {
      throw new DomainRuleError('at most 100 items');
    });
    app.post('/coded', async () => {
      throw new CodedError('STOCK_LATER', 'BOOK-1 is back in 2 s', {
        extra: { sku: 'BOOK-1' },
        retryAfterSeconds: 2,
      });
    });
    app.post('/unregistered', async () => {
      throw new CodedError('NOBODY_KNOWS_ME', 'secret internals');
    });
    app.post('/echo', async (request) => request.body);
    app.post(
      '/strict',
      {
        schema: {
          body: Type.Object(
            { name: Type.String(), tags: Type.Array(Type.String(), { maxItems: 3 }) },
            { additionalProperties: false },
          ),
        },
      },
      async () => ({ ok: true }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });

  test('maps any error by its code to the registered status and title, with its message as detail', async () => {
    const res = await app!.inject({ method: 'POST', url: '/domain' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      { code: res.json().code, title: res.json().title, detail: res.json().detail },
      { code: 'ORDER_TOO_BIG', title: 'Order too big', detail: 'at most 100 items' },
    );
  });

  test('adds extension members and Retry-After from a CodedError', async () => {
    const res = await app!.inject({ method: 'POST', url: '/coded' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.headers['retry-after'], '2');
    assert.equal(res.json().sku, 'BOOK-1');
  });

  test('answers an unregistered code with a 500 that hides the message', async () => {
    const res = await app!.inject({ method: 'POST', url: '/unregistered' });
    assert.equal(res.statusCode, 500);
    assert.ok(!res.body.includes('secret internals'));
  });

  test('refuses a code defined twice with different statuses or titles', () => {
    assert.throws(
      () =>
        new ProblemTypeRegistry(PLATFORM_PROBLEM_TYPES, { VALIDATION_FAILED: { status: 422, title: 'x' } }),
      ProblemTypeConflictError,
    );
    assert.throws(
      () => new ProblemTypeRegistry({ A: { status: 404, title: 'A' } }, { A: { status: 404, title: 'B' } }),
      /error code A is defined twice: 404 "A" and 404 "B"/,
    );
  });

  test('refuses JSON nested deeper than the limit with 400 JSON_TOO_DEEP, and accepts it at the limit', async () => {
    for (const depth of [33, 5_000, 100_000]) {
      const res = await app!.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        payload: `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`,
      });
      assert.equal(res.statusCode, 400, `depth ${depth}`);
      assert.equal(res.json().code, 'JSON_TOO_DEEP');
    }
    const ok = await app!.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: `{"a":"[[[[{{{{","b":${'['.repeat(31)}${']'.repeat(31)}}`,
    });
    assert.equal(ok.statusCode, 200, 'brackets inside strings do not count; 32 levels are fine');
    assert.equal(jsonDepthExceeds('"\\\\"[[[', 1), true, 'an escaped backslash ends before the quote');
  });

  test('lists few errors of a body with tens of thousands of unknown keys or array elements, cheaply', async () => {
    const send = (body: unknown) =>
      app!.inject({
        method: 'POST',
        url: '/strict',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const keys = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i]));
    const unknown = await send({ name: 'n', tags: [], ...keys });
    assert.equal(unknown.statusCode, 400);
    const paths = (unknown.json().errors as { path: string }[]).map((e) => e.path);
    assert.ok(paths.includes('/body/k0'));
    assert.ok(paths.length <= 20, `${paths.length} errors`);
    const long = await send({ name: 'n', tags: Array.from({ length: 60_000 }, () => 7) });
    assert.equal(long.statusCode, 400);
    const longPaths = (long.json().errors as { path: string }[]).map((e) => e.path);
    assert.ok(longPaths.includes('/body/tags'), `the array that is too long is named: ${longPaths}`);
  });

  test('cuts off a client that trickles its request body, with a 408 problem', async () => {
    const started = performance.now();
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
        ),
      );
      const chunks: Buffer[] = [];
      const drip = setInterval(() => socket.writable && socket.write(' '), 200);
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
    const elapsed = performance.now() - started;
    assert.match(response, /^HTTP\/1\.1 408/);
    assert.match(response, /"code":"REQUEST_TIMEOUT"/);
    assert.ok(elapsed < 15_000, `held for ${Math.round(elapsed)} ms`);
  });
});
