// kill -9 right after commits were acknowledged: every acknowledged offset is there after a restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openCoordinator, tempDir } from './coordinator-fixture.ts';

const CHILD = fileURLToPath(new URL('./fixtures/commit-until-killed.ts', import.meta.url));

/** The --import hooks the test runs with (nothing else of the test runner's flags). */
function importFlags(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--import') flags.push(argv[i], argv[++i]);
    else if (argv[i].startsWith('--import=')) flags.push(argv[i]);
  }
  return flags;
}

it('keeps every acknowledged offset commit after SIGKILL', async (t) => {
  const dataDir = await tempDir(t, 'tributary-groups-crash-');
  const child = spawn(process.execPath, [...importFlags(), CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  const acked = [0, 0, 0];
  let count = 0;
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const offset = Number(line);
    acked[offset % 3] = offset;
    if (++count === 300) {
      child.kill('SIGKILL');
      break;
    }
  }
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');

  const coordinator = await openCoordinator(t, { dataDir });
  const partitions = coordinator.fetchOffsets('crash', [{ name: 't', partitionIndexes: [0, 1, 2] }]).topics[0]
    .partitions;
  for (const p of partitions) {
    assert.ok(
      p.committedOffset >= acked[p.partitionIndex],
      `partition ${p.partitionIndex}: acknowledged ${acked[p.partitionIndex]}, found ${p.committedOffset}`,
    );
  }
  // Still writable after recovery.
  const out = await coordinator.commitOffsets({
    groupId: 'crash',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 1e6, committedLeaderEpoch: -1, committedMetadata: null },
        ],
      },
    ],
  });
  assert.equal(out[0].partitions[0].errorCode, 0);
});
