// Start-up on damaged data: a metadata file the broker cannot trust stops the start with one line naming
// the file (never a stack, never silently ignored); a damaged cache (index, producer snapshot) is rebuilt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startBroker } from '../src/index.ts';

const BIN = fileURLToPath(new URL('../src/bin/tributary-broker.js', import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function preparedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-startup-'));
  dirs.push(dataDir);
  const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: 'silent' }) });
  await broker.stop();
  return dataDir;
}

function startBin(dataDir: string) {
  return spawnSync(process.execPath, [BIN, '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    encoding: 'utf8',
    timeout: 20_000,
    // A broker that starts would run until the timeout: it must not start.
    killSignal: 'SIGKILL',
  });
}

describe('broker start-up on damaged metadata', () => {
  for (const [file, content] of [
    ['topics/topics.json', ''],
    ['topics/topics.json', '{"topics": [{"name": "a/b"}]}'],
    ['topics/producer-ids.json', '{"reservedUpTo": "lots"}'],
    ['cluster.json', '{not json'],
    ['groups/offsets.log', 'definitely not a journal'],
  ] as const) {
    it(`refuses to start with a damaged ${file} (${content.length === 0 ? 'empty' : JSON.stringify(content)}), naming it`, async () => {
      const dataDir = await preparedDataDir();
      writeFileSync(join(dataDir, file), content);
      const r = startBin(dataDir);
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(join(dataDir, file)), r.stderr);
      assert.match(r.stderr, /damaged data file/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('rebuilds a damaged segment index and producer snapshot instead of refusing to start', async () => {
    const dataDir = await preparedDataDir();
    const broker = await startBroker({ port: 0, dataDir, logger: pino({ level: 'silent' }) });
    await broker.stop();
    const topicsDir = join(dataDir, 'topics');
    writeFileSync(
      join(topicsDir, 'topics.json'),
      JSON.stringify({ topics: [{ name: 't', topicId: 'x', partitions: 1, configs: {} }] }),
    );
    const partitionDir = join(topicsDir, 't-0');
    const restarted = await startBroker({ port: 0, dataDir, logger: pino({ level: 'silent' }) });
    await restarted.stop();
    for (const f of readdirSync(partitionDir))
      if (!f.endsWith('.log')) writeFileSync(join(partitionDir, f), 'garbage');
    rmSync(join(topicsDir, '.clean-shutdown'), { force: true });
    const again = await startBroker({ port: 0, dataDir, logger: pino({ level: 'silent' }) });
    await again.stop();
  });
});
