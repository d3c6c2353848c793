// The open-file budget: many partitions stay readable and writable while only a bounded number of segment
// files is open at once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { decodeRecordBatches, encodeRecordBatch } from '@tributary/kafka-protocol';
import { pino } from 'pino';
import { LogManager } from '../../src/log/index.ts';

const openFds = () => readdirSync('/proc/self/fd').length;
const batch = (value: string) =>
  encodeRecordBatch({ baseTimestamp: 1000n, records: [{ key: null, value: Buffer.from(value) }] });

it('keeps at most the budgeted segment files open across 300 partitions, reopening them on demand', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-fds-'));
  let m: LogManager | undefined;
  after(async () => {
    await m?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const before = openFds();
  m = await LogManager.open({
    dataDir: dir,
    logger: pino({ level: 'silent' }),
    maxOpenFiles: 20,
    segmentBytes: 1024,
  });
  await m.createTopic('wide', 300);
  for (let round = 0; round < 3; round++) {
    for (let p = 0; p < 300; p++)
      assert.equal(m.partition('wide', p)!.appendBatches(batch(`r${round}p${p}`)).errorCode, 0);
    await m.flushScheduler.flushNow();
  }
  for (let p = 0; p < 300; p++) {
    const values: string[] = decodeRecordBatches(m.partition('wide', p)!.read(0, 1 << 20)).flatMap((b) =>
      b.records.map((r) => r.value!.toString()),
    );
    assert.deepEqual(values, [`r0p${p}`, `r1p${p}`, `r2p${p}`]);
  }
  assert.ok(m.openFiles.size <= 20, `${m.openFiles.size} segment files open`);
  // The offsets of other descriptors (the test runner's) move a little; 300 partitions would add 300.
  assert.ok(openFds() - before < 40, `${openFds() - before} more descriptors than before`);
  await m.close();
  m = await LogManager.open({ dataDir: dir, logger: pino({ level: 'silent' }), maxOpenFiles: 20 });
  assert.equal(m.partition('wide', 299)!.logEndOffset, 3);
  assert.ok(openFds() - before < 40, `${openFds() - before} more descriptors after reopening`);
});
