import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JOURNAL_FILE, OffsetJournalCorruptError, OffsetStore } from '../../src/groups/index.ts';
import {
  encodeRecord,
  JOURNAL_MAGIC,
  type JournalRecord,
  scanJournal,
} from '../../src/groups/offset-journal.ts';
import { type FileSystem, systemError } from '../../src/io/index.ts';
import { SimulatedDisk } from '../../src/io/simulated-disk.ts';
import { silentLogger, tempDir } from './coordinator-fixture.ts';

const entry = (topic: string, partition: number, offset: number) => ({
  topic,
  partition,
  offset,
  leaderEpoch: 3,
  metadata: '',
  commitTimestamp: 1_700_000_000_000,
});

describe('offset store', () => {
  it('shares one fdatasync among the commits of one event-loop turn', async (t) => {
    const store = await OffsetStore.open({ dir: await tempDir(t), logger: silentLogger });
    t.after(() => store.close());
    const before = store.syncCount;
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.commit(`g${i}`, [entry('t', 0, i)])));
    assert.equal(store.syncCount - before, 1);
    assert.equal(store.get('g99', 't', 0)?.offset, 99);
  });

  it('makes a commit visible only once it is durable', async (t) => {
    const store = await OffsetStore.open({ dir: await tempDir(t), logger: silentLogger });
    t.after(() => store.close());
    const done = store.commit('g', [entry('t', 0, 1)]);
    assert.equal(store.get('g', 't', 0), undefined);
    await done;
    assert.equal(store.get('g', 't', 0)?.offset, 1);
  });

  it('compacts the journal while running once it outgrows its live size, without losing the latest values', async (t) => {
    const dir = await tempDir(t);
    const store = await OffsetStore.open({
      dir,
      logger: silentLogger,
      compactMinBytes: 4096,
      compactRatio: 2,
    });
    for (let i = 0; i < 600; i++) await store.commit('g', [entry('t', i % 4, i)]);
    const size = (await stat(join(dir, JOURNAL_FILE))).size;
    assert.ok(size < 8192, `journal of 600 commits to 4 partitions should stay small, is ${size} bytes`);
    await store.close();
    const reopened = await OffsetStore.open({ dir, logger: silentLogger });
    t.after(() => reopened.close());
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => reopened.get('g', 't', p)?.offset),
      [596, 597, 598, 599],
    );
  });

  it('compacts on open a journal much larger than its live set', async (t) => {
    const dir = await tempDir(t);
    const big = await OffsetStore.open({ dir, logger: silentLogger, compactMinBytes: 1 << 30 });
    for (let i = 0; i < 500; i++) await big.commit('g', [entry('t', 0, i)]);
    await big.close();
    const before = (await stat(join(dir, JOURNAL_FILE))).size;
    const store = await OffsetStore.open({
      dir,
      logger: silentLogger,
      compactMinBytes: 1024,
      compactRatio: 4,
    });
    t.after(() => store.close());
    const after = (await stat(join(dir, JOURNAL_FILE))).size;
    assert.ok(after * 10 < before, `expected compaction: ${before} → ${after} bytes`);
    assert.equal(store.get('g', 't', 0)?.offset, 499);
    assert.equal(
      store.get('g', 't', 0)?.commitTimestamp,
      1_700_000_000_000,
      'commit timestamps survive compaction',
    );
  });

  it('refuses to open a file that is not an offsets journal', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, JOURNAL_FILE), 'something else entirely');
    await assert.rejects(OffsetStore.open({ dir, logger: silentLogger }), OffsetJournalCorruptError);
  });

  it('starts over from a journal whose creation was interrupted before the header was complete', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, JOURNAL_FILE), JOURNAL_MAGIC.subarray(0, 3));
    const store = await OffsetStore.open({ dir, logger: silentLogger });
    t.after(() => store.close());
    await store.commit('g', [entry('t', 0, 1)]);
    assert.deepEqual((await readFile(join(dir, JOURNAL_FILE))).subarray(0, 8), JOURNAL_MAGIC);
  });

  it('keeps every acknowledged commit when a compaction cannot sync its directory, through a crash and a power cut', async () => {
    // A power cut keeps none of a directory's unsynced name changes (the random source always says 0).
    const disk = new SimulatedDisk(() => 0);
    let dirSyncFails = false;
    const mount = (): FileSystem => {
      const fs = disk.mount();
      return {
        ...fs,
        syncDir: (path) =>
          dirSyncFails ? Promise.reject(systemError('EIO', 'fsync', path)) : fs.syncDir(path),
      };
    };
    const open = () =>
      OffsetStore.open({
        dir: '/data/groups',
        fs: mount(),
        logger: silentLogger,
        compactMinBytes: 256,
        compactRatio: 2,
      });
    const store = await open();
    dirSyncFails = true;
    let acknowledged = -1;
    for (let i = 0; i < 100; i++) {
      try {
        await store.commit('g', [entry('t', 0, i)]);
        acknowledged = i;
      } catch (err) {
        assert.equal((err as { code?: string }).code, 'OFFSET_STORE_UNAVAILABLE');
        break;
      }
    }
    assert.ok(
      acknowledged > 0 && acknowledged < 99,
      `commits refused after the failed compaction (last ${acknowledged})`,
    );

    disk.crash();
    dirSyncFails = false;
    const afterCrash = await open();
    assert.equal(afterCrash.get('g', 't', 0)?.offset, acknowledged);
    await afterCrash.commit('g', [entry('t', 0, 1000)]);

    disk.powerCut();
    const afterPowerCut = await open();
    assert.equal(afterPowerCut.get('g', 't', 0)?.offset, 1000);
    await afterPowerCut.close();
  });

  it('rejects commits after close', async (t) => {
    const store = await OffsetStore.open({ dir: await tempDir(t), logger: silentLogger });
    await store.close();
    await assert.rejects(store.commit('g', [entry('t', 0, 1)]), { code: 'OFFSET_STORE_UNAVAILABLE' });
  });
});

// Plain objects, like the decoder builds, so that deepEqual compares them.
const plain = { noNullPrototype: true };

const recordArb: fc.Arbitrary<JournalRecord> = fc.oneof(
  fc.record(
    {
      type: fc.constant('offsets' as const),
      groupId: fc.string({ maxLength: 30 }),
      topics: fc.array(
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 30 }),
            partitions: fc.array(
              fc.record(
                {
                  partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
                  offset: fc.maxSafeInteger().map((n) => n - 1),
                  leaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
                  metadata: fc.string({ maxLength: 50, unit: 'grapheme' }),
                  commitTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
                },
                plain,
              ),
              { maxLength: 5 },
            ),
          },
          plain,
        ),
        { maxLength: 4 },
      ),
    },
    plain,
  ),
  fc.record(
    {
      type: fc.constant('topic-deleted' as const),
      topic: fc.string({ minLength: 1, maxLength: 30 }),
    },
    plain,
  ),
  fc.record({ type: fc.constant('group-deleted' as const), groupId: fc.string({ maxLength: 30 }) }, plain),
  fc.record(
    {
      type: fc.constant('offsets-deleted' as const),
      groupId: fc.string({ maxLength: 30 }),
      topics: fc.array(
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 30 }),
            partitions: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { maxLength: 5 }),
          },
          plain,
        ),
        { maxLength: 4 },
      ),
    },
    plain,
  ),
);

describe('offsets journal format', () => {
  it('reads back every record it writes', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 10 }), (records) => {
        const file = Buffer.concat([JOURNAL_MAGIC, ...records.map(encodeRecord)]);
        const scan = scanJournal(file);
        assert.deepEqual(scan.records, records);
        assert.equal(scan.validBytes, file.length);
      }),
    );
  });

  it('reads the intact records of a journal cut at any byte, and nothing more', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), fc.nat(), (records, cutSeed) => {
        const encoded = records.map(encodeRecord);
        const file = Buffer.concat([JOURNAL_MAGIC, ...encoded]);
        const cut = JOURNAL_MAGIC.length + (cutSeed % (file.length - JOURNAL_MAGIC.length + 1));
        const scan = scanJournal(file.subarray(0, cut));
        let whole = 0;
        let bytes = JOURNAL_MAGIC.length;
        while (whole < encoded.length && bytes + encoded[whole].length <= cut)
          bytes += encoded[whole++].length;
        assert.deepEqual(scan.records, records.slice(0, whole));
        assert.equal(scan.validBytes, bytes);
      }),
    );
  });
});
