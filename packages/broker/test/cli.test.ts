// The tributary-broker command line: clear errors for bad flags and values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin/tributary-broker.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    // Starting Node and loading the broker takes seconds on a loaded 2-core machine.
    timeout: 90_000,
  });

it('prints every option with its environment variable for --help', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--data-dir\s+TRIBUTARY_BROKER_DATA_DIR/);
  assert.match(r.stdout, /--default-partitions/);
});

it('rejects an unknown flag with usage and exit code 2', () => {
  const r = run(['--bogus']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bogus/);
  assert.match(r.stderr, /Usage: tributary-broker/);
});

it('names every bad value, from flags and environment alike, with what it must be, and does not start', () => {
  const r = run(['--port', 'ninety', '--flush', 'sometimes'], { TRIBUTARY_BROKER_DEFAULT_PARTITIONS: '0' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port="ninety": must be an integer from 0 to 65535/);
  assert.match(r.stderr, /--flush="sometimes": must be one of interval, every-append, os/);
  assert.match(r.stderr, /TRIBUTARY_BROKER_DEFAULT_PARTITIONS="0": must be an integer from 1 to 10000/);
  assert.doesNotMatch(r.stderr, /Usage:/);
});

it('refuses settings that contradict each other with exit code 2', () => {
  const r = run(['--default-partitions', '50', '--max-partitions-per-topic', '10']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /defaultPartitions: must not exceed maxPartitionsPerTopic/);
});

it('names a bad metrics port, flag or variable, with exit code 2', () => {
  const flag = run(['--metrics-port', 'prometheus']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--metrics-port="prometheus": must be an integer from 0 to 65535/);
  const variable = run([], { TRIBUTARY_BROKER_METRICS_PORT: '70000' });
  assert.equal(variable.status, 2);
  assert.match(variable.stderr, /TRIBUTARY_BROKER_METRICS_PORT="70000": must be an integer from 0 to 65535/);
  const same = run(['--port', '19092', '--metrics-port', '19092']);
  assert.equal(same.status, 2);
  assert.match(same.stderr, /metricsPort: must differ from port/);
});
