// The CLI (run by tributary-broker.js): `tributary-broker --port 9092 --data-dir ./.data/broker` (flags override TRIBUTARY_BROKER_* env).
import { flushCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { ConfigError as SettingsError } from '@tributary/config';
import { startBroker } from '../broker.ts';
import { type BrokerConfig, CLI_FLAGS, CLI_HELP, ConfigError, readBrokerConfig } from '../config.ts';

async function main(): Promise<void> {
  let options: BrokerConfig;
  try {
    const { values } = parseArgs({ options: brokerCliOptions(), strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${CLI_HELP}\n`);
      return;
    }
    options = readBrokerConfig(process.env, values);
  } catch (err) {
    // A bad value is named with what it must be; an unknown flag gets the usage.
    process.stderr.write(
      err instanceof SettingsError
        ? `tributary-broker: ${err.message}\n`
        : `tributary-broker: ${(err as Error).message}\n\n${CLI_HELP}\n`,
    );
    process.exitCode = 2;
    return;
  }
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker(options);
  } catch (err) {
    process.stderr.write(`tributary-broker: ${startupProblem(err)}\n`);
    // Settings that contradict each other are a configuration problem like a bad value: exit code 2.
    process.exitCode = err instanceof ConfigError ? 2 : 1;
    return;
  }
  // Node writes its compile cache when the process exits; a broker that is killed never would, and its next
  // start would compile every module again. What the start compiled is written once it serves.
  setImmediate(flushCompileCache);
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

// Every option of the configuration schema is a flag; a few also have a short form.
function brokerCliOptions() {
  const short: Record<string, string> = { port: 'p', 'data-dir': 'd' };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const flag of CLI_FLAGS)
    options[flag] = short[flag] ? { type: 'string', short: short[flag] } : { type: 'string' };
  return options;
}

await main();

/** A classified start-up failure (bad config, damaged data, port in use) is one clear line, not a stack. */
function startupProblem(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'CORRUPT_FILE' || e?.code === 'OFFSET_JOURNAL_CORRUPT')
    return `cannot start: damaged data file: ${e.message} (restore it from a backup, or move the data directory away to start empty)`;
  if (typeof e?.code === 'string') return `cannot start (${e.code}): ${e.message}`;
  return e?.stack ?? String(err);
}
