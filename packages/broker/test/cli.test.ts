// The tributary-broker command line: clear errors for bad flags and values, and log lines a parser can take.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin/tributary-broker.js', import.meta.url));
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

it('names a bad authorizer setting, flag or variable, with exit code 2', () => {
  const bad = run(['--authorizer', 'rbac'], { TRIBUTARY_BROKER_SUPER_USERS: 'alice' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--authorizer="rbac": must be one of none, acl/);
  assert.match(bad.stderr, /TRIBUTARY_BROKER_SUPER_USERS="alice"/);
  const without = run(['--super-users', 'User:admin']);
  assert.equal(without.status, 2);
  assert.match(without.stderr, /superUsers: needs authorizer acl/);
});

/** The keys of a JSON object's top level, in order, duplicates kept (JSON.parse would keep only the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && json[end + 1] === ':') keys.push(json.slice(i + 1, end));
      i = end;
    }
  }
  return keys;
}

it('writes log lines in which no key appears twice', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tributary-broker-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, '--port', '0', '--data-dir', dataDir, '--log-level', 'debug'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('broker listening')) child.kill('SIGTERM');
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const lines = out.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(
    lines.some((l) => l.includes('"component":"groups"')),
    'the group coordinator logged at start',
  );
  for (const line of lines) {
    const keys = topLevelKeys(line);
    assert.deepEqual(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
      `a key repeats in ${line}`,
    );
  }
});
