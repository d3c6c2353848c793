import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createApp, createLogger, type ReadinessCheck } from '../../src/index.ts';

const logger = createLogger({ name: 'health-test', level: 'silent' });

async function appWith(checks: ReadinessCheck[], readinessTimeoutMs?: number) {
  const app = await createApp({ logger, readinessChecks: checks, readinessTimeoutMs });
  after(() => app.close());
  return app;
}

const passing = (name: string): ReadinessCheck => ({ name, check: async () => ({ ok: true }) });

describe('health endpoints', () => {
  test('/health/live answers 200 even when a readiness check fails', async () => {
    const app = await appWith([{ name: 'database', check: async () => ({ ok: false, detail: 'down' }) }]);
    const response = await app.inject({ url: '/health/live' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'alive' });
  });

  test('/health/ready is 200 with every check listed when all pass', async () => {
    const app = await appWith([passing('database'), passing('broker-producer')]);
    const response = await app.inject({ url: '/health/ready' });
    assert.equal(response.statusCode, 200);
    const report = response.json();
    assert.equal(report.status, 'ready');
    assert.deepEqual(
      report.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
      [
        ['database', true],
        ['broker-producer', true],
      ],
    );
  });

  test('/health/ready is a 503 problem naming the failing checks', async () => {
    const app = await appWith([
      passing('database'),
      { name: 'consumer-group', check: async () => ({ ok: false, detail: 'not joined' }) },
      {
        name: 'circuit-breaker',
        check: async () => {
          throw new Error('breaker open');
        },
      },
    ]);
    const response = await app.inject({ url: '/health/ready' });
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const problem = response.json();
    assert.equal(problem.code, 'NOT_READY');
    assert.equal(
      problem.detail,
      'Failing checks: consumer-group (not joined), circuit-breaker (breaker open)',
    );
    const failing = problem.checks.filter((check: { ok: boolean }) => !check.ok);
    assert.deepEqual(
      failing.map((check: { name: string; detail: string }) => [check.name, check.detail]),
      [
        ['consumer-group', 'not joined'],
        ['circuit-breaker', 'breaker open'],
      ],
    );
  });

  test('a check that never settles fails with a timeout instead of hanging the probe', async () => {
    const app = await appWith(
      [passing('database'), { name: 'broker', check: () => new Promise(() => {}) }],
      150,
    );
    const started = performance.now();
    const response = await app.inject({ url: '/health/ready' });
    const elapsed = performance.now() - started;
    assert.equal(response.statusCode, 503);
    const broker = response.json().checks.find((check: { name: string }) => check.name === 'broker');
    assert.deepEqual([broker.ok, broker.detail], [false, 'timed out after 150 ms']);
    assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  });

  test('the default check timeout is about 2 s', async () => {
    const app = await appWith([{ name: 'slow', check: () => new Promise(() => {}) }]);
    const started = performance.now();
    const response = await app.inject({ url: '/health/ready' });
    const elapsed = performance.now() - started;
    assert.equal(response.statusCode, 503);
    assert.ok(elapsed >= 1_900 && elapsed < 3_000, `took ${elapsed} ms`);
  });

  test('checks registered after creation count, /health gives the same report', async () => {
    const app = await appWith([passing('database')]);
    let joined = false;
    app.readiness.add({ name: 'consumer-group', check: async () => ({ ok: joined }) });
    assert.equal((await app.inject({ url: '/health' })).statusCode, 503);
    joined = true;
    const response = await app.inject({ url: '/health' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(
      response.json().checks.map((check: { name: string }) => check.name),
      ['database', 'consumer-group'],
    );
  });

  test('a failing optional check leaves the service ready and shows it degraded in /health', async () => {
    const app = await appWith([
      passing('database'),
      { name: 'broker', required: false, check: async () => ({ ok: false, detail: 'ECONNREFUSED' }) },
    ]);
    const ready = await app.inject({ url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(
      ready.json().checks.map((check: { name: string }) => check.name),
      ['database'],
    );
    const health = await app.inject({ url: '/health' });
    assert.equal(health.statusCode, 200);
    const report = health.json();
    assert.equal(report.status, 'degraded');
    assert.deepEqual(
      report.checks.map((check: { name: string; ok: boolean; required: boolean; detail?: string }) => [
        check.name,
        check.ok,
        check.required,
        check.detail,
      ]),
      [
        ['database', true, true, undefined],
        ['broker', false, false, 'ECONNREFUSED'],
      ],
    );
  });

  test('a failing required check makes /health a 503 as well', async () => {
    const app = await appWith([
      { name: 'database', check: async () => ({ ok: false, detail: 'down' }) },
      { name: 'broker', required: false, check: async () => ({ ok: false }) },
    ]);
    const health = await app.inject({ url: '/health' });
    assert.equal(health.statusCode, 503);
    assert.equal(health.json().detail, 'Failing checks: database (down)');
  });

  test('registering two checks with the same name is refused', async () => {
    const app = await appWith([passing('database')]);
    assert.throws(() => app.readiness.add(passing('database')), /already registered/);
  });
});
