#!/usr/bin/env node
// CLI: `tributary-broker --port 9092 --data-dir ./.data/broker` (flags override TRIBUTARY_BROKER_* env).
import { parseArgs } from 'node:util';
import { startBroker } from '../broker.ts';
import { brokerOptionsFromArgs, brokerOptionsFromEnv, CLI_HELP, ConfigError } from '../config.ts';

async function main(): Promise<void> {
  let options: ReturnType<typeof brokerOptionsFromArgs>;
  try {
    const { values } = parseArgs({ options: brokerCliOptions(), strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${CLI_HELP}\n`);
      return;
    }
    options = { ...brokerOptionsFromEnv(process.env), ...brokerOptionsFromArgs(values) };
  } catch (err) {
    process.stderr.write(`tributary-broker: ${(err as Error).message}\n\n${CLI_HELP}\n`);
    process.exitCode = 2;
    return;
  }
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker(options);
  } catch (err) {
    process.stderr.write(
      `tributary-broker: ${err instanceof ConfigError ? err.message : (err as Error).stack}\n`,
    );
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`tributary-broker: ${signal} received, stopping\n`);
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`tributary-broker: ${(err as Error).stack ?? String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function brokerCliOptions() {
  return {
    help: { type: 'boolean', short: 'h' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'advertised-host': { type: 'string' },
    'data-dir': { type: 'string', short: 'd' },
    'node-id': { type: 'string' },
    'auto-create-topics': { type: 'string' },
    'default-partitions': { type: 'string' },
    'retention-ms': { type: 'string' },
    'retention-bytes': { type: 'string' },
    'retention-check-interval-ms': { type: 'string' },
    'segment-bytes': { type: 'string' },
    flush: { type: 'string' },
    'flush-interval-ms': { type: 'string' },
    'log-append-time': { type: 'string' },
    'max-frame-bytes': { type: 'string' },
    'max-message-bytes': { type: 'string' },
    'log-level': { type: 'string' },
  } as const;
}

await main();
