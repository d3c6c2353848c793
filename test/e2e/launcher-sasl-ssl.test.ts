// `npm start` with KAFKA_SECURITY=sasl_ssl: the broker takes only TLS with SASL SCRAM-SHA-512, with a local
// CA, certificate and password the launcher makes once; both services and the console authenticate, so a
// user's registration reaches the Order Service and the console sees the topics; a client without the
// credentials gets nothing.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { freePort } from './support/free-port.ts';
import { Launcher } from './support/launcher.ts';

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start with KAFKA_SECURITY=sasl_ssl', { timeout: 600_000 }, () => {
  let tempDir: string;
  let platform: Launcher | undefined;
  let brokerAddress: string;
  let users: string;
  let orders: string;
  let consoleUrl: string;
  let securityDir: string;

  before(async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'tributary-e2e-sasl-'));
    const [broker, userPort, orderPort, consolePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    brokerAddress = `127.0.0.1:${broker}`;
    users = `http://127.0.0.1:${userPort}`;
    orders = `http://127.0.0.1:${orderPort}`;
    consoleUrl = `http://127.0.0.1:${consolePort}`;
    securityDir = join(tempDir, 'data', 'kafka-security');
    platform = new Launcher({
      TRIBUTARY_DATA_DIR: join(tempDir, 'data'),
      BROKER_PORT: String(broker),
      USER_SERVICE_PORT: String(userPort),
      ORDER_SERVICE_PORT: String(orderPort),
      CONSOLE_PORT: String(consolePort),
      KAFKA_SECURITY: 'sasl_ssl',
      STARTUP_TIMEOUT_MS: '240000',
    });
    await platform.ready();
  });

  after(async () => {
    await platform?.cleanup();
    await rm(tempDir, { recursive: true, force: true });
  });

  it('says in the banner how the broker is secured and keeps the password readable by its owner only', async () => {
    const banner = platform!.lines.find((l) => String(l.msg).includes('Tributary is up'));
    assert.match(String(banner?.msg), /TLS \+ SASL SCRAM-SHA-512: user tributary/);
    assert.ok(
      !String(banner?.msg).includes(await passwordOf(securityDir)),
      'the password itself is not printed',
    );
    assert.equal((await stat(join(securityDir, 'users.json'))).mode & 0o077, 0);
    assert.equal((await stat(join(securityDir, 'broker.key'))).mode & 0o077, 0);
  });

  it('carries a registration to the Order Service and shows the topics in the console, all authenticated', async () => {
    const created = await fetch(`${users}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper' }),
    });
    assert.equal(created.status, 201);
    const user = (await created.json()) as { id: string };
    const order = await eventually(async () => {
      const res = await fetch(`${orders}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: user.id,
          items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 900 }],
        }),
      });
      return res.status === 201 ? ((await res.json()) as { status: string }) : undefined;
    }, 'the Order Service to learn the user over SASL/TLS');
    assert.equal(order.status, 'Pending');
    const cluster = await eventually(async () => {
      const res = await fetch(`${consoleUrl}/api/cluster`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { topics: { name: string; messages: number }[] };
      return body.topics.some((t) => t.name === 'users' && t.messages > 0) ? body : undefined;
    }, 'the console to list the users topic');
    assert.ok(cluster.topics.some((t) => t.name === 'orders'));
  });

  it('gives a client with the local CA and password the topics, and one without credentials nothing', async () => {
    const ca = await readFile(join(securityDir, 'ca.pem'), 'utf8');
    const base = { clientId: 'e2e-sasl', bootstrapBrokers: [brokerAddress], retries: 0, timeout: 5_000 };
    const authenticated = new Admin({
      ...base,
      tls: { ca, servername: 'localhost' },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'tributary', password: await passwordOf(securityDir) },
    });
    try {
      assert.ok((await authenticated.listTopics()).includes('users'));
    } finally {
      await authenticated.close();
    }
    const wrongPassword = new Admin({
      ...base,
      tls: { ca, servername: 'localhost' },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'tributary', password: 'not-the-password' },
    });
    try {
      await assert.rejects(wrongPassword.listTopics());
    } finally {
      await wrongPassword.close();
    }
    const plaintext = new Admin(base);
    try {
      await assert.rejects(plaintext.listTopics());
    } finally {
      await plaintext.close();
    }
  });
});

async function passwordOf(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(dir, 'users.json'), 'utf8')) as { tributary: string }).tributary;
}
