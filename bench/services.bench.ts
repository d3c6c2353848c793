// POST /users throughput of the User Service next to a bare Fastify route doing the same INSERT, each in a
// process of its own (the load generator is this process), in rounds that rotate their order, with telemetry on (the
// default: spans made, metrics recorded) and off (OTEL_SDK_DISABLED=true); and, under that load,
// the time from a 201 reaching the client to its `user.registered` event being readable on the broker.
// A third User Service with JWT authentication on (ES256 tokens from a local key) runs in the same rounds,
// so the cost of verifying a bearer token per request is a ratio against the service without it.
// Runs on PGlite and on PostgreSQL (needs DATABASE_URL or --database-url; schemas are dropped at the end).
// Usage: npm run bench:services [-- --duration 10 --rounds 3 --connections 10 --database pglite|postgres|both]
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Consumer, stringDeserializer } from '@platformatic/kafka';
import autocannon from 'autocannon';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { startBrokerProcess } from './broker-process.ts';
import { cpuSecondsOf } from './process-cpu.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    database: { type: 'string', default: 'both' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const DURATION = Number(values.duration);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
for (const [name, v] of [
  ['duration', DURATION],
  ['rounds', ROUNDS],
  ['connections', CONNECTIONS],
] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
}
if (!['pglite', 'postgres', 'both'].includes(values.database)) {
  throw new Error('--database must be pglite, postgres or both');
}
const DATABASE_URL = values['database-url'];
const run = randomBytes(4).toString('hex');
const children = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function spawnChild(script: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready within 60 s`);
}

const ISSUER = 'https://id.bench.test/';

/** A key pair whose public half the JWT service reads from a file, and a token it accepts for an hour. */
async function benchIssuer(dir: string) {
  const keys = await generateKeyPair('ES256');
  const keyFile = join(dir, 'issuer.pem');
  await writeFile(keyFile, await exportSPKI(keys.publicKey));
  const token = await new SignJWT({ scope: 'users:write users:read' })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(ISSUER)
    .setAudience('user-service')
    .setSubject('bench')
    .setExpirationTime('1h')
    .sign(keys.privateKey);
  return { keyFile, token };
}

/** `on`: telemetry on, no authentication (the baseline of both comparisons); `off`: telemetry off; `jwt`: JWT on. */
async function startUserService(
  database: 'pglite' | 'postgres',
  broker: string,
  dir: string,
  variant: 'on' | 'off' | 'jwt',
  auth: Record<string, string> = { AUTH_MODE: 'development' },
) {
  const port = await freePort();
  const child = spawnChild('../services/user-service/src/server.ts', [], {
    PORT: String(port),
    KAFKA_BROKERS: broker,
    DATA_DIR: join(dir, `user-service-${variant}`),
    DATABASE_SCHEMA: `bench_users_${variant}_${run}`,
    LOG_LEVEL: 'warn',
    OTEL_SDK_DISABLED: variant === 'off' ? 'true' : 'false',
    // The load comes from one client; the per-client limit would measure itself.
    RATE_LIMIT_MAX: '0',
    ...auth,
    ...(database === 'postgres' ? { DATABASE_URL } : {}),
  });
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health/ready`, child);
  return { url, child };
}

async function startBareServer(database: 'pglite' | 'postgres', dir: string) {
  const args =
    database === 'postgres'
      ? ['--database-url', DATABASE_URL, '--schema', `bench_bare_${run}`]
      : ['--data-dir', join(dir, 'bare')];
  const child = spawnChild('./bare-users-server.ts', args, {});
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('listening ')) resolve(line.slice('listening '.length));
    });
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { url, child };
}

/** Reads `users` as it fills and notes when each user's event arrives (by key, the user id). */
async function watchUsersTopic(broker: string) {
  const arrived = new Map<string, number>();
  const consumer = new Consumer<string | undefined, Buffer | undefined, string, string>({
    clientId: 'bench-services',
    groupId: `bench-services-${run}`,
    bootstrapBrokers: [broker],
    maxWaitTime: 100,
    autocommit: true,
    deserializers: {
      key: (data) => (data === undefined ? undefined : stringDeserializer(data)),
      headerKey: (data) => stringDeserializer(data) ?? '',
      headerValue: (data) => stringDeserializer(data) ?? '',
    },
  });
  const stream = await consumer.consume({ topics: ['users'], mode: 'earliest' });
  stream.on('data', (message) => {
    if (message.key !== undefined && !arrived.has(message.key)) arrived.set(message.key, performance.now());
  });
  return {
    arrived,
    close: async () => {
      await stream.close();
      await consumer.close(true);
    },
  };
}

interface Round {
  rps: number;
  /** CPU the service process spent per 2xx response during the round (the relay's publishing included). */
  cpuMsPerRequest: number;
  p99: number;
  errors: number;
  /** User id → when its 201 reached the client. */
  created: Map<string, number>;
}

async function drive(
  target: { url: string; child: ChildProcess },
  prefix: string,
  token?: string,
): Promise<Round> {
  const { url } = target;
  let n = 0;
  const cpuBefore = await cpuSecondsOf(target.child.pid);
  const created = new Map<string, number>();
  const result = await autocannon({
    url: `${url}/users`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: `${prefix}-${run}-${n}@bench.test`, name: `Bench ${n++}` }),
        }),
        onResponse: (status, body) => {
          if (status === 201) created.set((JSON.parse(body) as { id: string }).id, performance.now());
        },
      },
    ],
  });
  const cpuSeconds = (await cpuSecondsOf(target.child.pid)) - cpuBefore;
  return {
    rps: result['2xx'] / DURATION,
    cpuMsPerRequest: (cpuSeconds * 1000) / Math.max(1, result['2xx']),
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    created,
  };
}

/** Waits until every created user's event is on the broker (60 s at most); returns the lags in ms. */
async function lagsOf(created: Map<string, number>, arrived: Map<string, number>): Promise<number[]> {
  const deadline = Date.now() + 60_000;
  while ([...created.keys()].some((id) => !arrived.has(id))) {
    if (Date.now() > deadline) {
      const missing = [...created.keys()].filter((id) => !arrived.has(id)).length;
      throw new Error(`${missing} of ${created.size} user.registered events not on the broker after 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...created].map(([id, at]) => Math.max(0, arrived.get(id)! - at));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function measure(database: 'pglite' | 'postgres') {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-services-'));
  const broker = await startBrokerProcess(join(dir, 'broker'));
  let service: { child: ChildProcess } | undefined;
  let untraced: { child: ChildProcess } | undefined;
  let jwtService: { child: ChildProcess } | undefined;
  let bare: { child: ChildProcess } | undefined;
  let watcher: Awaited<ReturnType<typeof watchUsersTopic>> | undefined;
  try {
    const svc = await startUserService(database, broker.address, dir, 'on');
    service = svc;
    const off = await startUserService(database, broker.address, dir, 'off');
    untraced = off;
    const issuer = await benchIssuer(dir);
    const jwt = await startUserService(database, broker.address, dir, 'jwt', {
      AUTH_MODE: 'jwt',
      AUTH_JWT_PUBLIC_KEY_FILE: issuer.keyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: 'user-service',
    });
    jwtService = jwt;
    const base = await startBareServer(database, dir);
    bare = base;
    // The first event creates the topic; the watcher starts on it.
    for (const url of [svc.url, off.url]) {
      await fetch(`${url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `warmup-${url.length}-${url.slice(-5)}-${run}@bench.test`,
          name: 'Warm up',
        }),
      });
    }
    watcher = await watchUsersTopic(broker.address);
    const services: Round[] = [];
    const offs: Round[] = [];
    const jwts: Round[] = [];
    const bases: Round[] = [];
    const lags: number[] = [];
    // Every round runs the four in a different order (a rotation of the last one), so none of them always
    // follows the same neighbour: the work one round leaves behind (the relay's last rounds, the kernel
    // writing back the database's pages) lands on each of them in turn.
    const order = ['on', 'off', 'jwt', 'bare'] as const;
    for (let round = 0; round < ROUNDS; round += 1) {
      const shift = round % order.length;
      for (const variant of [...order.slice(shift), ...order.slice(0, shift)]) {
        if (variant === 'on') {
          const measured = await drive(svc, `svc${round}`);
          services.push(measured);
          lags.push(...(await lagsOf(measured.created, watcher.arrived)));
        } else if (variant === 'off') {
          const measuredOff = await drive(off, `off${round}`);
          offs.push(measuredOff);
          await lagsOf(measuredOff.created, watcher.arrived);
        } else if (variant === 'jwt') {
          const measuredJwt = await drive(jwt, `jwt${round}`, issuer.token);
          jwts.push(measuredJwt);
          await lagsOf(measuredJwt.created, watcher.arrived);
        } else {
          bases.push(await drive(base, `base${round}`));
        }
      }
    }
    const jwtRps = median(jwts.map((r) => r.rps));
    const svcRps = median(services.map((r) => r.rps));
    const offRps = median(offs.map((r) => r.rps));
    const baseRps = median(bases.map((r) => r.rps));
    const errors = [...services, ...offs, ...jwts].reduce((sum, r) => sum + r.errors, 0);
    console.log(`\n${database === 'pglite' ? 'PGlite' : 'PostgreSQL'}`);
    console.log(
      `  POST /users  service ${svcRps.toFixed(0)} req/s (p99 ${median(services.map((r) => r.p99))} ms)` +
        ` | bare Fastify + INSERT ${baseRps.toFixed(0)} req/s (p99 ${median(bases.map((r) => r.p99))} ms)` +
        ` | ratio ${(svcRps / baseRps).toFixed(2)}${errors > 0 ? ` (${errors} errors)` : ''}`,
    );
    console.log(
      `  telemetry    on ${svcRps.toFixed(0)} req/s | off (OTEL_SDK_DISABLED) ${offRps.toFixed(0)} req/s` +
        ` (p99 ${median(offs.map((r) => r.p99))} ms) | on/off ratio ${(svcRps / offRps).toFixed(2)}` +
        ` | off/bare ratio ${(offRps / baseRps).toFixed(2)}`,
    );
    const svcCpu = median(services.map((r) => r.cpuMsPerRequest));
    const offCpu = median(offs.map((r) => r.cpuMsPerRequest));
    console.log(
      `  telemetry    service CPU per request on ${svcCpu.toFixed(2)} ms | off ${offCpu.toFixed(2)} ms` +
        ` | off ÷ on ${(offCpu / svcCpu).toFixed(2)} (medians; rounds on ${services.map((r) => r.cpuMsPerRequest.toFixed(2)).join(', ')},` +
        ` off ${offs.map((r) => r.cpuMsPerRequest.toFixed(2)).join(', ')} ms)`,
    );
    console.log(
      `  JWT auth     on ${jwtRps.toFixed(0)} req/s (p99 ${median(jwts.map((r) => r.p99))} ms)` +
        ` | off ${svcRps.toFixed(0)} req/s | on/off ratio ${(jwtRps / svcRps).toFixed(2)}`,
    );
    // The service's CPU per request moves much less than req/s when other work loads the machine.
    const jwtCpu = median(jwts.map((r) => r.cpuMsPerRequest));
    console.log(
      `  JWT auth     service CPU per request on ${jwtCpu.toFixed(2)} ms | off ${svcCpu.toFixed(2)} ms` +
        ` | off ÷ on ${(svcCpu / jwtCpu).toFixed(2)} (goal >= 0.90)`,
    );
    console.log(
      `  201 → event on the broker (${lags.length} events): p50 ${percentile(lags, 50).toFixed(0)} ms,` +
        ` p99 ${percentile(lags, 99).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms`,
    );
  } finally {
    await watcher?.close().catch(() => undefined);
    if (service) await stopChild(service.child);
    if (untraced) await stopChild(untraced.child);
    if (jwtService) await stopChild(jwtService.child);
    if (bare) await stopChild(bare.child);
    await broker.stop();
    if (database === 'postgres') {
      // The service's schema (the bare server drops its own on SIGTERM).
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS bench_users_on_${run} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS bench_users_off_${run} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS bench_users_jwt_${run} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS bench_bare_${run} CASCADE`);
      await client.end();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
console.log(
  `POST /users, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s rounds, each running telemetry on, off, JWT and the baseline in a rotated order`,
);
if (values.database !== 'postgres') await measure('pglite');
if (values.database !== 'pglite') await measure('postgres');
