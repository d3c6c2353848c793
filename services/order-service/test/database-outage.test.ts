// Both services as `server.ts` runs them, on a PostgreSQL of the test's own (so it can be stopped), with our
// broker over TCP. A service started while its database is down keeps trying and reports not ready; under
// load, terminated backends and a crashed database end no process; requests during the outage get 503
// problem+json with Retry-After within 1 s; service resumes within 2 s of the database returning; every
// acknowledged registration is stored, published by the relay and applied through the Order Service's inbox.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createOwnPostgres, type OwnPostgres } from '@tributary/database/testing';
import pg from 'pg';
import { eventually, freePort, type ServiceProcess, startProcess } from './support/service-process.ts';

const USER_SERVER = fileURLToPath(new URL('../../user-service/src/server.ts', import.meta.url));
const ORDER_SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const BROKER = fileURLToPath(
  new URL('../../../packages/broker/src/bin/tributary-broker.js', import.meta.url),
);

interface Response {
  sentAt: number;
  at: number;
  status: number;
  retryAfter: string | null;
  contentType: string | null;
}

async function listening(proc: ServiceProcess): Promise<string> {
  return eventually(() => {
    if (!proc.alive()) throw new Error(`exited early: ${proc.stderr()}`);
    const line = proc.lines.find((l) => l.msg === 'service listening');
    return line === undefined ? undefined : String(line.url);
  }, 'the service to listen');
}

async function readiness(url: string): Promise<number> {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return res.status;
}

async function register(url: string, email: string): Promise<Response> {
  const sentAt = Date.now();
  try {
    const res = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, name: 'Outage Test' }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.text();
    if (res.status === 503) assert.match(body, /"code":"DATABASE_UNAVAILABLE"/);
    return {
      sentAt,
      at: Date.now(),
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      contentType: res.headers.get('content-type'),
    };
  } catch {
    return { sentAt, at: Date.now(), status: 0, retryAfter: null, contentType: null };
  }
}

async function column(url: string, sql: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ value: string }>(sql)).rows.map((row) => row.value);
  } finally {
    await client.end();
  }
}

describe('services through database faults', { timeout: 300_000 }, () => {
  let own: OwnPostgres | undefined;
  let dir: string | undefined;
  const processes: ServiceProcess[] = [];
  let loading = false;
  after(async () => {
    loading = false;
    for (const proc of processes.reverse()) await proc.stop();
    await own?.destroy();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('start without the database, backends killed under load, a crash and a restart: no exit, 503 then recovery, nothing lost', async (t) => {
    dir = await mkdtemp(join(tmpdir(), 'database-outage-'));
    const database = await createOwnPostgres();
    own = database;
    const brokerPort = await freePort();
    const broker = startProcess(BROKER, ['--port', String(brokerPort), '--data-dir', join(dir, 'broker')], {
      LOG_LEVEL: 'warn',
    });
    processes.push(broker);
    const env = {
      KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
      DATABASE_URL: database.url,
      PORT: '0',
      LOG_LEVEL: 'info',
      OUTBOX_POLL_INTERVAL_MS: '100',
      // The test polls as fast as the services answer; the per-client limit (100/s) would answer 429 instead.
      RATE_LIMIT_MAX: '0',
    };
    const users = startProcess(USER_SERVER, [], env);
    processes.push(users);
    const orders = startProcess(ORDER_SERVER, [], env);
    processes.push(orders);
    const usersUrl = await listening(users);
    const ordersUrl = await listening(orders);

    // Started without a database: serving, not ready, 503 with Retry-After.
    assert.equal(await readiness(usersUrl), 503);
    assert.equal(await readiness(ordersUrl), 503);
    const early = await register(usersUrl, `early.${randomUUID()}@example.org`);
    assert.deepEqual([early.status, early.retryAfter], [503, '1']);
    assert.match(String(early.contentType), /^application\/problem\+json/);

    await database.start();
    await eventually(
      async () =>
        (await readiness(usersUrl)) === 200 && (await readiness(ordersUrl)) === 200 ? true : undefined,
      'both services ready once the database is up',
      60_000,
    );

    // Load: registrations from two clients for the rest of the test.
    const responses: Response[] = [];
    const acknowledged: string[] = [];
    loading = true;
    const worker = async () => {
      while (loading) {
        const email = `load.${randomUUID()}@example.org`;
        const response = await register(usersUrl, email);
        responses.push(response);
        if (response.status === 201) acknowledged.push(email);
        // Failing requests come back at once: pace them so the outage is not a busy loop.
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const workers = [worker(), worker()];
    const acknowledgedMoreThan = (count: number) =>
      // After its backends are terminated a service on a loaded 2-core machine can take tens of seconds to
      // get connections back; what matters is that it does, without exiting.
      eventually(
        () => (acknowledged.length > count ? true : undefined),
        `more than ${count} registrations`,
        90_000,
      ).catch((error: Error) => {
        // What the services said meanwhile, and how the last requests ended, tell why they did not recover.
        const last = responses.slice(-5).map((r) => `${r.status} after ${r.at - r.sentAt} ms`);
        error.message += `\nlast responses: ${last.join(', ')}\nuser service:\n${users.raw.slice(-30).join('\n')}\norder service:\n${orders.raw.slice(-15).join('\n')}`;
        throw error;
      });

    // Every client backend (both services' pools, listeners and the consumer's inbox) terminated, three times.
    for (let round = 1; round <= 3; round++) {
      await acknowledgedMoreThan(round * 10);
      await column(
        database.url,
        `SELECT pg_terminate_backend(pid)::text AS value FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
    }
    await acknowledgedMoreThan(acknowledged.length + 10);

    // The database crashes: requests sent after that get 503 within 1 s.
    await database.stop('immediate');
    const stoppedAt = Date.now();
    const firstDown = await eventually(
      () => responses.find((r) => r.sentAt >= stoppedAt && r.status === 503),
      'a 503 after the database stopped',
    );
    t.diagnostic(`first 503 ${firstDown.at - stoppedAt} ms after the database stopped`);
    assert.ok(firstDown.at - stoppedAt <= 1_000, `first 503 after ${firstDown.at - stoppedAt} ms`);
    assert.equal(firstDown.retryAfter, '1');
    assert.equal(await readiness(usersUrl), 503);

    // It comes back: registrations succeed again within 2 s.
    await database.start();
    const startedAt = Date.now();
    const firstUp = await eventually(
      () => responses.find((r) => r.sentAt >= startedAt && r.status === 201),
      'a 201 after the database returned',
    );
    t.diagnostic(`first 201 ${firstUp.at - startedAt} ms after the database returned`);
    assert.ok(firstUp.at - startedAt <= 2_000, `first 201 after ${firstUp.at - startedAt} ms`);
    await acknowledgedMoreThan(acknowledged.length + 10);
    loading = false;
    await Promise.all(workers);

    // No process ended, and no request failed in any other way than a 503 with Retry-After.
    assert.ok(users.alive() && orders.alive() && broker.alive(), 'a process exited');
    const unexpected = responses.filter((r) => r.status !== 201 && r.status !== 503);
    assert.deepEqual(unexpected, []);
    assert.ok(responses.filter((r) => r.status === 503).every((r) => r.retryAfter === '1'));

    // Nothing lost: every acknowledged user is stored, published, and known to the Order Service.
    const stored = new Set(await column(database.url, 'SELECT email AS value FROM user_service.users'));
    assert.deepEqual(
      acknowledged.filter((email) => !stored.has(email)),
      [],
    );
    await eventually(
      async () => {
        const pending = await column(
          database.url,
          "SELECT count(*)::text AS value FROM user_service.outbox WHERE status = 'pending'",
        );
        return pending[0] === '0' ? true : undefined;
      },
      'the relay to publish every registration',
      60_000,
    );
    const missing = await eventually(
      async () => {
        const known = new Set(
          await column(database.url, 'SELECT email AS value FROM order_service.users_projection'),
        );
        const left = acknowledged.filter((email) => !known.has(email));
        return left.length === 0 ? left : undefined;
      },
      'the Order Service to learn every registered user',
      60_000,
    );
    assert.deepEqual(missing, []);
    for (const proc of [users, orders]) {
      assert.deepEqual(
        proc.lines.filter((line) => Number(line.level) >= 60),
        [],
      );
      for (const line of proc.raw) {
        for (const key of ['component', 'correlationId', 'msg', 'err']) {
          assert.ok(line.split(`"${key}":`).length <= 2, `"${key}" repeated in ${line}`);
        }
        // pg hangs the client (and with it the backend's cancel key) on errors: never logged.
        assert.doesNotMatch(line, /secretKey|processID/, `a pg client in ${line}`);
      }
    }
    assert.equal(await users.stop(), 0);
    assert.equal(await orders.stop(), 0);
  });
});
