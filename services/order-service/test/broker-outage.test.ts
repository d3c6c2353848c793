// Both services as `server.ts` runs them, with no broker at all (its port refuses connections): the HTTP
// APIs stay in rotation (ready, `/health` degraded with the broker named), writes are accepted into the
// outbox, and the reconnect attempts back off, each failure one log line starting with its root cause.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, freePort, type ServiceProcess, startProcess } from './support/service-process.ts';

const USER_SERVER = fileURLToPath(new URL('../../user-service/src/server.ts', import.meta.url));
const ORDER_SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));

interface HealthReport {
  status: string;
  checks: { name: string; ok: boolean; required: boolean; detail?: string }[];
}

/** The report, or undefined when the service did not answer in time (PGlite starting on a busy machine). */
async function health(
  url: string,
  path: string,
): Promise<{ status: number; body: HealthReport } | undefined> {
  try {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(20_000) });
    return { status: res.status, body: (await res.json()) as HealthReport };
  } catch {
    return undefined;
  }
}

describe('services without a broker', { timeout: 180_000 }, () => {
  let dir: string | undefined;
  const processes: ServiceProcess[] = [];
  after(async () => {
    for (const proc of processes) await proc.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('stay ready, report the broker in /health as degraded, accept writes, and back off their reconnects', async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-outage-'));
    const brokerPort = await freePort();
    const env = { KAFKA_BROKERS: `127.0.0.1:${brokerPort}`, PORT: '0', LOG_LEVEL: 'info' };
    const users = startProcess(USER_SERVER, [], { ...env, DATA_DIR: join(dir, 'users') });
    processes.push(users);
    const orders = startProcess(ORDER_SERVER, [], { ...env, DATA_DIR: join(dir, 'orders') });
    processes.push(orders);
    const urls = await Promise.all(
      [users, orders].map((proc) =>
        eventually(() => {
          if (!proc.alive()) throw new Error(`exited: ${proc.stderr()}`);
          const line = proc.lines.find((l) => l.msg === 'service listening');
          return line === undefined ? undefined : String(line.url);
        }, 'the service to listen'),
      ),
    );
    for (const url of urls) {
      await eventually(
        async () => ((await health(url, '/health/ready'))?.status === 200 ? true : undefined),
        `${url} ready without a broker`,
        60_000,
      );
    }
    const [usersUrl, ordersUrl] = urls;
    const userHealth = await eventually(() => health(usersUrl, '/health'), 'the user service health');
    assert.equal(userHealth.status, 200);
    assert.equal(userHealth.body.status, 'degraded');
    const broker = userHealth.body.checks.find((check) => check.name === 'broker');
    assert.deepEqual([broker?.ok, broker?.required], [false, false]);
    assert.ok(userHealth.body.checks.find((check) => check.name === 'database')?.ok);

    const orderHealth = await eventually(async () => {
      const report = await health(ordersUrl, '/health');
      return report?.body.checks.some((check) => check.name === 'consumer' && !check.ok) ? report : undefined;
    }, 'the order service to report its consumer');
    assert.equal(orderHealth.status, 200);
    assert.equal(orderHealth.body.status, 'degraded');
    const consumer = orderHealth.body.checks.find((check) => check.name === 'consumer');
    assert.equal(consumer?.required, false);
    assert.match(String(consumer?.detail), /the broker does not answer/);

    const created = await fetch(`${usersUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `no.broker.${randomUUID()}@example.org`, name: 'No Broker' }),
    });
    assert.equal(created.status, 201);

    // Let the reconnect loops run a while, then look at what they logged.
    const since = Date.now();
    await eventually(() => (Date.now() - since > 8_000 ? true : undefined), 'eight seconds to pass', 20_000);
    assert.ok(users.alive() && orders.alive());
    for (const proc of [users, orders]) {
      const failures = proc.lines.filter(
        (line) => Number(line.level) >= 40 && /ECONNREFUSED/.test(JSON.stringify(line)),
      );
      assert.ok(failures.length > 0, 'the failures are logged');
      for (const line of failures) {
        assert.ok(
          String(line.msg).startsWith(`ECONNREFUSED 127.0.0.1:${brokerPort}`),
          `does not start with the root cause: ${line.msg}`,
        );
      }
      // Backoff: far fewer lines than a fixed 500 ms loop (two per second) would write.
      const elapsedS = (Date.now() - Number(proc.lines[0]?.time ?? Date.now())) / 1000;
      assert.ok(failures.length <= elapsedS * 2, `${failures.length} failure lines in ${elapsedS} s`);
      for (const raw of proc.raw) {
        for (const key of ['component', 'correlationId', 'msg', 'err']) {
          assert.ok(raw.split(`"${key}":`).length <= 2, `"${key}" repeated in ${raw}`);
        }
      }
    }
  });
});
