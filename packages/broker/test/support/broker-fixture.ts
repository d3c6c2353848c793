// Starts a real broker on a free port with a temp data dir, and cleans both up after the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Broker, type StartBrokerOptions, startBroker } from '../../src/index.ts';

export interface BrokerFixture {
  broker: Broker;
  dataDir: string;
  /** Stops the broker and starts it again on the same port and data directory. */
  restart(): Promise<Broker>;
  stop(): Promise<void>;
}

export async function brokerFixture(options: StartBrokerOptions = {}): Promise<BrokerFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-broker-'));
  const logger = pino({ level: process.env.BROKER_TEST_LOG_LEVEL ?? 'silent' });
  const start = (port: number) => startBroker({ logger, ...options, dataDir, port });
  const fixture: BrokerFixture = {
    broker: await start(options.port ?? 0),
    dataDir,
    async restart() {
      await fixture.broker.stop();
      fixture.broker = await start(fixture.broker.port);
      return fixture.broker;
    },
    async stop() {
      await fixture.broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
