// The whole platform as `npm start` runs it: broker and both services as separate processes, a temp data
// directory and free ports; one user's journey through both services, a crashed service restarted by the
// launcher, Ctrl-C to the whole process group (services stop before the broker, exit code 0), a restart,
// and one correlation id.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/free-port.ts';
import { Launcher, type LogLine } from './support/launcher.ts';

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isStart = (l: LogLine, text: string) => l.process === 'start' && String(l.msg).includes(text);

describe('the platform end to end', { timeout: 900_000 }, () => {
  let tempDir: string | undefined;
  let env: Record<string, string>;
  let platform: Launcher | undefined;
  let users: string;
  let orders: string;
  let consoleUrl: string;

  after(async () => {
    await platform?.cleanup();
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  });

  before(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'tributary-e2e-'));
    // Nested and missing: the launcher creates what a fresh checkout lacks.
    const dataDir = join(tempDir, 'fresh', 'data');
    const [broker, userPort, orderPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      TRIBUTARY_DATA_DIR: dataDir,
      BROKER_PORT: String(broker),
      USER_SERVICE_PORT: String(userPort),
      CONSOLE_PORT: String(await freePort()),
      ORDER_SERVICE_PORT: String(orderPort),
      LOG_LEVEL: 'info',
      // Fresh PGlite databases take tens of seconds on a loaded 2-core machine.
      STARTUP_TIMEOUT_MS: '240000',
    };
    users = `http://127.0.0.1:${userPort}`;
    orders = `http://127.0.0.1:${orderPort}`;
    consoleUrl = `http://127.0.0.1:${env.CONSOLE_PORT}`;
    platform = new Launcher(env);
    await platform.ready();
  });

  it('registers a user, orders, walks the lifecycle, deactivates, restarts and keeps one correlation id', async () => {
    assert.ok(platform);
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
      platform!.lines.some((l) => l.process === proc && JSON.stringify(l).includes(correlationId));
    await eventually(
      async () => (inLogs('users') && inLogs('orders') ? true : undefined),
      'the correlation id in both services logs',
    );

    // A crashed service is restarted by the launcher, which says so, and serves again.
    const crashed = platform.pids.get('orders');
    assert.ok(crashed !== undefined, 'the launcher names the pid of each child');
    process.kill(-crashed, 'SIGKILL');
    await platform.waitFor((l) => isStart(l, 'orders ended unexpectedly'), 'the crash to be noticed');
    await platform.waitFor((l) => isStart(l, 'orders restarted and ready again'), 'orders to be restarted');
    assert.notEqual(platform.pids.get('orders'), crashed);
    const afterCrash = await fetch(`${orders}/orders/${second.id}`);
    assert.equal(afterCrash.status, 200);

    // Ctrl-C in a terminal signals the launcher's whole process group; the children are in groups of their
    // own, so only the launcher decides the order: both services complete their shutdown (consumer group
    // left, outbox flushed) before the broker is asked to stop, and everything exits 0.
    const fromLine = platform.lines.length;
    platform.signalGroup('SIGINT');
    const { code } = await platform.exited;
    assert.equal(code, 0, `Ctrl-C stops everything cleanly\n${platform.stderr}`);
    const shutdown = platform.lines.slice(fromLine);
    const position = (match: (l: LogLine) => boolean, what: string) => {
      const at = shutdown.findIndex(match);
      assert.ok(at >= 0, `${what} is logged`);
      return at;
    };
    const brokerAsked = position((l) => isStart(l, 'stopping broker'), 'the broker being stopped');
    for (const service of ['users', 'orders']) {
      const done = position(
        (l) => l.process === service && l.msg === 'shutdown complete',
        `${service} completing its shutdown`,
      );
      assert.ok(done < brokerAsked, `${service} stops before the broker`);
      assert.ok(
        shutdown.some((l) => isStart(l, `${service} stopped (exit code 0)`)),
        `${service} exits 0`,
      );
    }
    assert.ok(
      shutdown.some((l) => l.process === 'orders' && l.msg === 'consumer runner stopped'),
      'the Order Service leaves its consumer group',
    );
    assert.ok(shutdown.some((l) => isStart(l, 'broker stopped (exit code 0)')));
    assert.ok(
      !shutdown.some((l) => /second signal|forcing exit/.test(String(l.msg))),
      'no process sees a second signal',
    );

    platform = new Launcher(env);
    await platform.ready();
    const again = (await (await fetch(`${users}/users/${user.id}`)).json()) as { status: string };
    assert.equal(again.status, 'inactive');
    const afterRestart = (await (await fetch(`${orders}/orders/${second.id}`)).json()) as { status: string };
    assert.equal(afterRestart.status, 'Cancelled');
    const rejected = await placeOrder('AFTER-1');
    assert.equal(rejected.status, 422);
    assert.equal(((await rejected.json()) as { code: string }).code, 'USER_INACTIVE');
  });

  it('lets the console find a request: its event by correlation id, then one trace across both services', async () => {
    const correlationId = `console-${randomUUID()}`;
    const created = await fetch(`${users}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ email: `${correlationId}@example.com`, name: 'Grace Hopper' }),
    });
    assert.equal(created.status, 201);
    type Found = { eventId: string; traceId: string };
    const deadline = performance.now() + 60_000;
    let event: Found | undefined;
    // The event on the users topic, found by its correlation-id header (the outbox publishes it moments later).
    while (event === undefined && performance.now() < deadline) {
      for (const partition of [0, 1, 2]) {
        const res = await fetch(
          `${consoleUrl}/api/topics/users/partitions/${partition}/messages?header=${encodeURIComponent(`correlation-id=${correlationId}`)}`,
        );
        if (res.status !== 200) continue;
        const page = (await res.json()) as { messages: { cloudEvent: { id: string }; traceId: string }[] };
        const m = page.messages[0];
        if (m) event = { eventId: m.cloudEvent.id, traceId: m.traceId };
      }
      if (event === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(event, 'the event is on the users topic');
    // The services export their spans in batches; the Order Service handles the event after it is published.
    let found: { traceId: string; services: string[] }[] = [];
    while (performance.now() < deadline) {
      const res = await fetch(`${consoleUrl}/api/traces?eventId=${encodeURIComponent(event.eventId)}`);
      found = ((await res.json()) as { traces: typeof found }).traces;
      if (found.some((t) => t.services.includes('order-service') && t.services.includes('user-service')))
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const trace = found.find(
      (t) => t.services.includes('order-service') && t.services.includes('user-service'),
    );
    assert.ok(trace, `a trace of both services, got ${JSON.stringify(found)}`);
    assert.equal(trace.traceId, event.traceId, 'the trace is the one the event carries');
    const detail = (await (await fetch(`${consoleUrl}/api/traces/${trace.traceId}`)).json()) as {
      spanList: { name: string; service: string }[];
    };
    assert.ok(detail.spanList.some((s) => s.service === 'user-service' && /POST/.test(s.name)));
    assert.ok(detail.spanList.some((s) => s.service === 'order-service'));
  });
});
