// A broker on a free port and a console app over it, shared by a test file; cleaned up after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildConsoleApp, type ConsoleAppOptions } from '../../src/app.ts';
import type { ConsoleContext } from '../../src/console-context.ts';
import { buildUi, type UiBundle } from '../../src/http/ui-bundle.ts';

export interface ConsoleFixture {
  broker: Broker;
  app: App;
  context: ConsoleContext;
  dataDir: string;
  ui: UiBundle;
}

export function useConsole(options: Partial<ConsoleAppOptions> = {}): ConsoleFixture {
  const fixture = {} as ConsoleFixture;
  before(async () => {
    fixture.dataDir = await mkdtemp(join(tmpdir(), 'tributary-console-'));
    fixture.broker = await startBroker({
      port: 0,
      dataDir: join(fixture.dataDir, 'broker'),
      logger: pino({ level: 'silent' }),
      groupMinSessionTimeoutMs: 500,
    });
    fixture.ui = await buildUi();
    const built = await buildConsoleApp({
      brokers: [fixture.broker.address],
      logger: pino({ level: 'silent' }),
      auditFile: join(fixture.dataDir, 'audit.jsonl'),
      redriveJobsFile: join(fixture.dataDir, 'redrive-jobs.jsonl'),
      lagSampleIntervalMs: 200,
      tailPollMs: 100,
      ui: fixture.ui,
      ...options,
    });
    fixture.app = built.app;
    fixture.context = built.context;
  });
  after(async () => {
    await fixture.app?.close();
    await fixture.broker?.stop();
    if (fixture.dataDir) await rm(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
