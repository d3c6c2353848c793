// The User Service as `server.ts` runs it, a separate process against our broker over TCP: it logs
// `service ready`, publishes through the outbox to the `users` topic, keeps its data across a restart, and
// exits 0 on SIGTERM. Bad configuration stops the start naming every bad variable.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const BROKER = fileURLToPath(
  new URL('../../../packages/broker/src/bin/tributary-broker.js', import.meta.url),
);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Proc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Every process this file starts, registered the moment it is spawned: `after` kills whatever still runs,
 * even when a readiness wait failed before the test got hold of it. */
const spawned: Proc[] = [];

function run(file: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [file, ...args], {
    // The HTTP API's authentication is tested on its own; these tests are about the process.
    env: { ...process.env, AUTH_MODE: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ msg: line });
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const proc = { child, lines, stderr: () => stderr, exited };
  spawned.push(proc);
  return proc;
}

async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const accepts = (port: number) =>
  new Promise<true | undefined>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });

/** Starts server.ts and resolves with its URL once it logs `service ready`. */
async function startService(env: Record<string, string>): Promise<{ proc: Proc; url: string }> {
  const proc = run(SERVER, [], { LOG_LEVEL: 'info', OUTBOX_POLL_INTERVAL_MS: '50', PORT: '0', ...env });
  let exitCode: number | null | undefined;
  proc.exited.then((code) => {
    exitCode = code;
  });
  const url = await eventually(
    () => {
      if (exitCode !== undefined) throw new Error(`server exited with ${exitCode}: ${proc.stderr()}`);
      const ready = proc.lines.find((l) => l.msg === 'service ready');
      return ready ? String(ready.url) : undefined;
    },
    'service ready',
    // A fresh PGlite database alone takes tens of seconds on a loaded 2-core machine.
    180_000,
  );
  return { proc, url };
}

async function stopService(proc: Proc): Promise<number | null> {
  proc.child.kill('SIGTERM');
  return proc.exited;
}

/** Cleanup that cannot hang the test file: SIGTERM, then SIGKILL if the process is still there after `ms`. */
async function ensureStopped(proc: Proc, ms = 10_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), ms);
  await proc.exited;
  clearTimeout(timer);
}

describe('user-service server', { timeout: 480_000 }, () => {
  let dir: string;
  let broker: Proc;
  let brokerPort: number;
  let consumer: Consumer;
  const seen: { key: string; headers: Record<string, string>; value: Record<string, unknown> }[] = [];

  const register = async (url: string, email: string, correlationId: string) => {
    const res = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ email, name: 'Server Test' }),
    });
    assert.equal(res.status, 201);
    return (await res.json()) as { id: string; email: string };
  };
  const eventFor = (userId: string, ceType: string) =>
    eventually(
      () => seen.find((m) => m.key === userId && m.headers.ce_type === ceType),
      `${ceType} for ${userId} on the users topic`,
      60_000,
    );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'user-service-server-'));
    brokerPort = await freePort();
    broker = run(BROKER, ['--port', String(brokerPort), '--data-dir', join(dir, 'broker')], {});
    await eventually(() => accepts(brokerPort), 'the broker to accept connections');
    const kafka = new Kafka({
      clientId: 'user-service-server-test',
      brokers: [`127.0.0.1:${brokerPort}`],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'users', numPartitions: 3 }] });
    await admin.disconnect();
    consumer = kafka.consumer({ groupId: `user-service-server-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'users', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        seen.push({
          key: String(message.key),
          headers,
          value: JSON.parse(String(message.value)) as Record<string, unknown>,
        });
      },
    });
  });

  after(async () => {
    await Promise.race([consumer?.disconnect(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    for (const proc of spawned)
      if (proc !== broker && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    if (broker) await ensureStopped(broker);
    await rm(dir, { recursive: true, force: true });
  });

  it('on PGlite: ready, publishes UserRegistered and UserDeactivated, keeps data across a restart, exits 0', async () => {
    const env = { KAFKA_BROKERS: `127.0.0.1:${brokerPort}`, DATA_DIR: join(dir, 'pglite') };
    const first = await startService(env);
    const ready = await fetch(`${first.url}/health/ready`);
    assert.equal(ready.status, 200);

    const user = await register(first.url, `  Server.${randomUUID()}@Example.org`, 'corr-server-1');
    const registered = await eventFor(user.id, 'tributary.user.registered.v1');
    assert.equal(registered.headers['correlation-id'], 'corr-server-1');
    assert.equal(registered.headers.ce_source, '/tributary/user-service');
    assert.equal(registered.value.email, user.email);

    const deactivate = await fetch(`${first.url}/users/${user.id}/deactivate`, {
      method: 'POST',
      headers: { 'x-correlation-id': 'corr-server-2' },
    });
    assert.equal(deactivate.status, 200);
    // Stopping right after the change still delivers its event: shutdown flushes the outbox first.
    assert.equal(await stopService(first.proc), 0);
    const deactivated = await eventFor(user.id, 'tributary.user.deactivated.v1');
    assert.equal(deactivated.headers['correlation-id'], 'corr-server-2');
    assert.ok(first.proc.lines.some((l) => l.msg === 'shutdown complete'));

    const second = await startService(env);
    const again = await fetch(`${second.url}/users/${user.id}`);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { status: string }).status, 'inactive');
    assert.equal(await stopService(second.proc), 0);
    assert.equal(
      seen.filter((m) => m.key === user.id).length,
      2,
      'a restart does not publish the events again',
    );
  });

  it('on PostgreSQL (DATABASE_URL): ready in its own schema, publishes, exits 0', async () => {
    const schema = `user_server_test_${randomBytes(4).toString('hex')}`;
    try {
      const service = await startService({
        KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
      });
      const user = await register(service.url, `pg-${randomUUID()}@example.org`, 'corr-server-pg');
      const event = await eventFor(user.id, 'tributary.user.registered.v1');
      assert.equal(event.headers['correlation-id'], 'corr-server-pg');
      assert.equal(await stopService(service.proc), 0);
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });

  it('refuses to start on bad configuration, naming every bad variable', async () => {
    const proc = run(SERVER, [], { PORT: 'http', KAFKA_BROKERS: 'a, b', LOG_LEVEL: 'loud' });
    assert.equal(await proc.exited, 2);
    for (const name of ['PORT', 'KAFKA_BROKERS', 'LOG_LEVEL']) assert.match(proc.stderr(), new RegExp(name));
  });

  it('refuses to start with JWT authentication (the default) but no issuer, audience or key, naming them', async () => {
    const proc = run(SERVER, [], { AUTH_MODE: '', PORT: '0' });
    assert.equal(await proc.exited, 2);
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL']) {
      assert.match(proc.stderr(), new RegExp(name));
    }
  });
});
