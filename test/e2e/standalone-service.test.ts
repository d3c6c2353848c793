// `npm run start:users` / `start:orders` on a fresh checkout: the data directory and its parents do not
// exist yet, and the service creates them instead of failing to open PGlite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { freePort } from './support/free-port.ts';

const SERVICES = {
  'user-service': fileURLToPath(new URL('../../services/user-service/src/server.ts', import.meta.url)),
  'order-service': fileURLToPath(new URL('../../services/order-service/src/server.ts', import.meta.url)),
};

describe('a service started alone', { timeout: 600_000 }, () => {
  let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
  let brokerDir: string | undefined;
  after(async () => {
    await broker?.stop();
    if (brokerDir !== undefined) await rm(brokerDir, { recursive: true, force: true });
  });
  before(async () => {
    brokerDir = await mkdtemp(join(tmpdir(), 'tributary-standalone-broker-'));
    broker = await startBroker({ port: 0, dataDir: brokerDir, logger: pino({ level: 'warn' }) });
  });

  for (const [name, script] of Object.entries(SERVICES)) {
    it(`${name} creates a missing data directory and its parents`, async (t) => {
      const temp = await mkdtemp(join(tmpdir(), `tributary-${name}-`));
      const dataDir = join(temp, '.data', name);
      const port = await freePort();
      const child = spawn(process.execPath, [script], {
        env: {
          ...process.env,
          AUTH_MODE: 'development',
          DATA_DIR: dataDir,
          DATABASE_URL: '',
          PORT: String(port),
          HOST: '127.0.0.1',
          KAFKA_BROKERS: broker!.address,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      t.after(async () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
        await rm(temp, { recursive: true, force: true });
      });
      let stderr = '';
      child.stderr!.on('data', (d) => {
        stderr += d;
      });
      const deadline = Date.now() + 240_000;
      let live = false;
      while (!live) {
        assert.equal(child.exitCode, null, `${name} exited: ${stderr}`);
        assert.ok(Date.now() < deadline, `${name} did not answer /health/live in time`);
        live = await fetch(`http://127.0.0.1:${port}/health/live`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!live) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok((await stat(dataDir)).isDirectory());
    });
  }
});
