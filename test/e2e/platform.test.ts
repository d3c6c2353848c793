// The whole platform as `npm start` runs it: broker and both services as separate processes, a temp data
// directory and free ports; one user's journey through both services, a restart, and one correlation id.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('../../scripts/start/main.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

interface Platform {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function startPlatform(env: Record<string, string>): Promise<Platform> {
  const child = spawn(process.execPath, [LAUNCHER], {
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.process === 'start' && String(entry.msg).includes('Tributary is up'))
          resolve({ child, lines, exited });
      } catch {
        // not JSON
      }
    });
    exited.then((code) => reject(new Error(`launcher exited with ${code} before ready\n${stderr}`)));
  });
}

async function stopPlatform(p: Platform): Promise<number | null> {
  p.child.kill('SIGINT');
  return p.exited;
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the platform end to end', { timeout: 240_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  let platform: Platform;
  let users: string;
  let orders: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tributary-e2e-'));
    const [broker, userPort, orderPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      TRIBUTARY_DATA_DIR: dataDir,
      BROKER_PORT: String(broker),
      USER_SERVICE_PORT: String(userPort),
      ORDER_SERVICE_PORT: String(orderPort),
      LOG_LEVEL: 'info',
    };
    users = `http://127.0.0.1:${userPort}`;
    orders = `http://127.0.0.1:${orderPort}`;
    platform = await startPlatform(env);
  });
  after(async () => {
    if (platform && platform.child.exitCode === null) await stopPlatform(platform);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers a user, orders, walks the lifecycle, deactivates, restarts and keeps one correlation id', async () => {
    const correlationId = `e2e-${randomUUID()}`;
    const json = { 'content-type': 'application/json', 'x-correlation-id': correlationId };
    const created = await fetch(`${users}/users`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: '  Ada@Example.COM ', name: 'Ada Lovelace' }),
    });
    assert.equal(created.status, 201);
    const user = (await created.json()) as { id: string; email: string; status: string };
    assert.equal(user.email, 'ada@example.com');

    // The Order Service learns about the user from the users topic.
    const placeOrder = async (sku: string) =>
      fetch(`${orders}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: user.id, items: [{ sku, quantity: 2, unitPriceCents: 1250 }] }),
      });
    const first = await eventually(async () => {
      const res = await placeOrder('BOOK-1');
      return res.status === 201
        ? ((await res.json()) as { id: string; status: string; totalCents: number })
        : undefined;
    }, 'the Order Service to know the user');
    assert.equal(first.status, 'Pending');
    assert.equal(first.totalCents, 2500);
    const secondRes = await placeOrder('PEN-2');
    assert.equal(secondRes.status, 201);
    const second = (await secondRes.json()) as { id: string };

    for (const [action, status] of [
      ['confirm', 'Confirmed'],
      ['ship', 'Shipped'],
      ['deliver', 'Delivered'],
    ] as const) {
      const res = await fetch(`${orders}/orders/${first.id}/${action}`, { method: 'POST' });
      assert.equal(res.status, 200, action);
      assert.equal(((await res.json()) as { status: string }).status, status);
    }
    const invalid = await fetch(`${orders}/orders/${first.id}/cancel`, { method: 'POST' });
    assert.equal(invalid.status, 409);
    assert.equal(((await invalid.json()) as { code: string }).code, 'ORDER_INVALID_TRANSITION');

    const deactivated = await fetch(`${users}/users/${user.id}/deactivate`, {
      method: 'POST',
      headers: { 'x-correlation-id': correlationId },
    });
    assert.equal(deactivated.status, 200);
    await eventually(async () => {
      const res = await fetch(`${orders}/orders/${second.id}`);
      const order = (await res.json()) as { status: string };
      return order.status === 'Cancelled' ? order : undefined;
    }, 'the open order to be cancelled after deactivation');
    const delivered = (await (await fetch(`${orders}/orders/${first.id}`)).json()) as { status: string };
    assert.equal(delivered.status, 'Delivered', 'a delivered order stays delivered');

    const inLogs = (proc: string) =>
      platform.lines.some((l) => l.process === proc && JSON.stringify(l).includes(correlationId));
    await eventually(
      async () => (inLogs('users') && inLogs('orders') ? true : undefined),
      'the correlation id in both services logs',
    );

    assert.equal(await stopPlatform(platform), 0, 'Ctrl-C stops everything cleanly');
    platform = await startPlatform(env);
    const again = (await (await fetch(`${users}/users/${user.id}`)).json()) as { status: string };
    assert.equal(again.status, 'inactive');
    const afterRestart = (await (await fetch(`${orders}/orders/${second.id}`)).json()) as { status: string };
    assert.equal(afterRestart.status, 'Cancelled');
    const rejected = await placeOrder('AFTER-1');
    assert.equal(rejected.status, 422);
    assert.equal(((await rejected.json()) as { code: string }).code, 'USER_INACTIVE');
  });
});
