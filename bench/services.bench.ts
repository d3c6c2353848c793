// HTTP throughput of the services against the running system (broker + both services as processes, on
// PostgreSQL), next to a bare Fastify route doing the same single INSERT on the same database in the same
// run; plus the time from `POST /users` returning to the Order Service knowing that user.
// Usage: npm run bench:services [-- --duration 10 --connections 20 --database-url postgres://...]
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    samples: { type: 'string', default: '50' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const SAMPLES = Number(values.samples);
for (const [name, v] of [
  ['duration', DURATION],
  ['connections', CONNECTIONS],
  ['samples', SAMPLES],
] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}
const DATABASE_URL = String(values['database-url']);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function startSystem(dataDir: string, ports: { broker: number; users: number; orders: number }) {
  const launcher = fileURLToPath(new URL('../scripts/start/main.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [launcher], {
    env: {
      ...process.env,
      TRIBUTARY_DATA_DIR: dataDir,
      BROKER_PORT: String(ports.broker),
      USER_SERVICE_PORT: String(ports.users),
      ORDER_SERVICE_PORT: String(ports.orders),
      DATABASE_URL,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Tributary is up')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`system exited with ${code}`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
}

async function startBaseline(pool: pg.Pool) {
  await pool.query('CREATE SCHEMA IF NOT EXISTS bench_baseline');
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_baseline.users (id uuid PRIMARY KEY, email text UNIQUE NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  );
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_baseline.orders (id uuid PRIMARY KEY, user_id uuid NOT NULL, items jsonb NOT NULL, total_cents bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  );
  const app = Fastify();
  app.post('/users', async (req, reply) => {
    const { email, name } = req.body as { email: string; name: string };
    const { rows } = await pool.query(
      'INSERT INTO bench_baseline.users (id, email, name) VALUES ($1, $2, $3) RETURNING *',
      [randomUUID(), email.trim().toLowerCase(), name],
    );
    return reply.code(201).send(rows[0]);
  });
  app.post('/orders', async (req, reply) => {
    const { userId, items } = req.body as {
      userId: string;
      items: { quantity: number; unitPriceCents: number }[];
    };
    const total = items.reduce((s, i) => s + i.quantity * i.unitPriceCents, 0);
    const { rows } = await pool.query(
      'INSERT INTO bench_baseline.orders (id, user_id, items, total_cents) VALUES ($1, $2, $3, $4) RETURNING *',
      [randomUUID(), userId, JSON.stringify(items), total],
    );
    return reply.code(201).send(rows[0]);
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, close: () => app.close() };
}

async function drive(url: string, path: string, body: (n: number) => unknown) {
  let n = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(body(n++)) }),
      },
    ],
  });
  const ok = result['2xx'];
  return { rps: ok / DURATION, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const run = randomUUID().slice(0, 8);
const dataDir = await mkdtemp(join(tmpdir(), 'tributary-bench-services-'));
const ports = { broker: await freePort(), users: await freePort(), orders: await freePort() };
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: CONNECTIONS });
const stopSystem = await startSystem(dataDir, ports);
const baseline = await startBaseline(pool);
try {
  const users = `http://127.0.0.1:${ports.users}`;
  const orders = `http://127.0.0.1:${ports.orders}`;
  const userBody = (prefix: string) => (n: number) => ({
    email: `${prefix}-${run}-${n}@bench.test`,
    name: `Bench ${n}`,
  });

  const placeOrder = (userId: string) =>
    fetch(`${orders}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }] }),
    });
  // Propagation: POST /users returns → the Order Service accepts an order for that user.
  const lags: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const res = await fetch(`${users}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(userBody('lag')(i)),
    });
    const { id } = (await res.json()) as { id: string };
    const returned = performance.now();
    for (;;) {
      if ((await placeOrder(id)).status === 201) break;
      if (performance.now() - returned > 30_000) throw new Error('user never reached the Order Service');
    }
    lags.push(performance.now() - returned);
  }
  const knownUser = (await (await fetch(`${users}/users?limit=1`)).json()) as { items: { id: string }[] };
  const userId = knownUser.items[0].id;
  const orderBody = () => ({ userId, items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 250 }] });

  const rows = [
    [
      'POST /users',
      await drive(users, '/users', userBody('svc')),
      await drive(baseline.url, '/users', userBody('base')),
    ],
    [
      'POST /orders',
      await drive(orders, '/orders', orderBody),
      await drive(baseline.url, '/orders', orderBody),
    ],
  ] as const;
  console.log(
    `${CONNECTIONS} connections, ${DURATION} s each, PostgreSQL at ${DATABASE_URL.replace(/\/\/[^@]*@/, '//')}`,
  );
  for (const [name, svc, base] of rows) {
    console.log(
      `${name.padEnd(13)} service ${svc.rps.toFixed(0)} req/s p99 ${svc.p99} ms | bare Fastify + INSERT ${base.rps.toFixed(0)} req/s p99 ${base.p99} ms | ratio ${(svc.rps / base.rps).toFixed(2)}${svc.errors ? ` (${svc.errors} errors)` : ''}`,
    );
  }
  console.log(
    `POST /users returned → Order Service knows the user (${SAMPLES} samples): p50 ${percentile(lags, 50).toFixed(1)} ms, p99 ${percentile(lags, 99).toFixed(1)} ms`,
  );
} finally {
  await baseline.close();
  await stopSystem();
  await pool.query('DROP SCHEMA IF EXISTS bench_baseline CASCADE');
  await pool.end();
  await rm(dataDir, { recursive: true, force: true });
}
