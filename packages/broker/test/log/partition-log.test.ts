// The partition log on real files: offsets, segments, restart, torn tails, retention, idempotence.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { decodeRecordBatches, encodeRecordBatch } from '@tributary/kafka-protocol';
import { pino } from 'pino';
import { LogError, LogManager } from '../../src/log/index.ts';

const dirs: string[] = [];
const managers: LogManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Captured {
  msg: string;
  truncatedBytes?: number;
}

function open(
  dataDir: string,
  extra: Partial<Parameters<typeof LogManager.open>[0]> = {},
  warnings: Captured[] = [],
) {
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => warnings.push(JSON.parse(line) as Captured) },
  );
  return LogManager.open({ dataDir, logger, flush: { mode: 'interval', intervalMs: 5 }, ...extra }).then(
    (m) => {
      managers.push(m);
      return m;
    },
  );
}

function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'tributary-log-'));
  dirs.push(d);
  return d;
}

const batch = (
  values: string[],
  opts: { ts?: number; producer?: { id: bigint; epoch: number; seq: number } } = {},
) =>
  encodeRecordBatch({
    baseTimestamp: BigInt(opts.ts ?? 1000),
    producerId: opts.producer?.id ?? -1n,
    producerEpoch: opts.producer?.epoch ?? -1,
    baseSequence: opts.producer?.seq ?? -1,
    records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
  });

const valuesOf = (buf: Buffer) =>
  decodeRecordBatches(buf).flatMap((b) => b.records.map((r) => r.value!.toString()));

describe('partition log', () => {
  it('assigns offsets in place and reads whole batches from any offset inside them, across segment rolls', async () => {
    const dir = tempDir();
    const m = await open(dir, { segmentBytes: 1024 });
    await m.createTopic('t', 1);
    const log = m.partition('t', 0)!;
    for (let i = 0; i < 40; i++) assert.equal(log.appendBatches(batch([`a${i}`, `b${i}`])).baseOffset, i * 2);
    assert.equal(log.logEndOffset, 80);
    assert.ok(readdirSync(join(dir, 't-0')).filter((f) => f.endsWith('.log')).length > 1, 'rolled');
    assert.equal(log.read(0, 1 << 20).length, 0, 'nothing is served before it is synced');
    await m.flushScheduler.flushNow();
    assert.equal(log.highWatermark, 80);
    const middle = log.read(41, 1);
    const decoded = decodeRecordBatches(middle);
    assert.equal(decoded.length, 1, 'at least one whole batch even when over maxBytes');
    assert.equal(decoded[0].header.baseOffset, 40n);
    assert.deepEqual(valuesOf(middle), ['a20', 'b20']);
    assert.equal(valuesOf(log.read(0, 1 << 20)).length > 2, true);
    assert.equal(log.read(80, 1000).length, 0, 'empty at the end of the log');
  });

  it('finds everything again after a restart and keeps appending at the right offset', async () => {
    const dir = tempDir();
    let m = await open(dir, { segmentBytes: 2048 });
    await m.createTopic('keep', 2, { 'retention.ms': '-1' });
    for (let i = 0; i < 30; i++) m.partition('keep', i % 2)!.appendBatches(batch([`v${i}`]));
    const topicId = m.getTopic('keep')!.topicId;
    await m.close();
    m = await open(dir, { segmentBytes: 2048 });
    assert.equal(m.getTopic('keep')?.topicId, topicId);
    assert.deepEqual(m.getTopic('keep')?.configs, { 'retention.ms': '-1' });
    const log = m.partition('keep', 0)!;
    assert.equal(log.logEndOffset, 15);
    assert.equal(log.appendBatches(batch(['after'])).baseOffset, 15);
    await m.flushScheduler.flushNow();
    assert.deepEqual(valuesOf(log.read(14, 1 << 20)), ['v28', 'after']);
  });

  it("keeps only a bounded number of rolled segments' indexes in memory and serves every offset", async () => {
    const dir = tempDir();
    const limit = 600;
    const m = await open(dir, { segmentBytes: 4096, indexIntervalBytes: 100, indexCacheBytes: limit });
    await m.createTopic('many', 1);
    const log = m.partition('many', 0)!;
    for (let i = 0; i < 600; i++) log.appendBatches(batch([`r${i}`]));
    await m.flushScheduler.flushNow();
    const segments = readdirSync(join(dir, 'many-0')).filter((f) => f.endsWith('.log'));
    assert.ok(segments.length > 10, `rolled into ${segments.length} segments`);
    // A rolled segment whose index file is gone is read by scanning its batch headers instead.
    rmSync(join(dir, 'many-0', segments[3].replace('.log', '.index')));
    for (let pass = 0; pass < 2; pass++)
      for (let offset = 0; offset < 600; offset += 7) {
        assert.equal(valuesOf(log.read(offset, 1))[0], `r${offset}`);
        assert.ok(m.indexes.bytes <= limit, `${m.indexes.bytes} bytes of indexes held (limit ${limit})`);
      }
    assert.ok(m.indexes.bytes > 0, 'rolled segments are looked up through their index files');
    assert.ok(
      readdirSync(join(dir, 'many-0')).includes(segments[3].replace('.log', '.index')),
      'the missing index file is written again',
    );
  });

  for (const damage of ['cut mid-batch', 'garbage appended', 'byte flipped in the last batch'] as const) {
    it(`recovers from a torn tail (${damage}) at the last good batch and warns`, async () => {
      const dir = tempDir();
      let m = await open(dir);
      await m.createTopic('torn', 1);
      for (let i = 0; i < 5; i++) m.partition('torn', 0)!.appendBatches(batch([`x${i}`, `y${i}`]));
      await m.close();
      const file = join(dir, 'torn-0', '00000000000000000000.log');
      const size = statSync(file).size;
      if (damage === 'cut mid-batch') truncateSync(file, size - 10);
      if (damage === 'garbage appended')
        appendFileSync(file, Buffer.from('not a record batch at all, just bytes'));
      if (damage === 'byte flipped in the last batch') {
        const { openSync, writeSync, closeSync } = await import('node:fs');
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.from([0xaa]), 0, 1, size - 3);
        closeSync(fd);
      }
      // A torn tail is what a crash leaves: no clean-shutdown marker (after a clean one, nothing is rescanned).
      rmSync(join(dir, '.clean-shutdown'));
      const warnings: Captured[] = [];
      m = await open(dir, {}, warnings);
      const log = m.partition('torn', 0)!;
      const expectedEnd = damage === 'garbage appended' ? 10 : 8;
      assert.equal(log.logEndOffset, expectedEnd);
      assert.ok(
        warnings.some((w) => w.msg === 'truncated a torn tail of the log' && (w.truncatedBytes ?? 0) > 0),
      );
      assert.equal(log.appendBatches(batch(['new'])).baseOffset, expectedEnd);
      await m.flushScheduler.flushNow();
      assert.equal(valuesOf(log.read(0, 1 << 20)).at(-1), 'new');
    });
  }

  it('deletes old segments by time and by size, never the active one, and advances the log start', async () => {
    const m = await open(tempDir(), { segmentBytes: 300 });
    await m.createTopic('ret', 1);
    const log = m.partition('ret', 0)!;
    for (let i = 0; i < 10; i++) log.appendBatches(batch([`old-${i}`.padEnd(200, '.')], { ts: 1_000 }));
    log.appendBatches(batch(['new'.padEnd(200, '.')], { ts: 50_000 }));
    await m.flushScheduler.flushNow();
    assert.equal(log.applyRetention(60_000, 20_000, -1), 10);
    assert.equal(log.logStartOffset, 10);
    assert.deepEqual(
      valuesOf(log.read(10, 1 << 20)).map((v) => v.slice(0, 3)),
      ['new'],
    );
    for (let i = 0; i < 5; i++) log.appendBatches(batch([`more-${i}`.padEnd(200, '.')], { ts: 50_000 }));
    await m.flushScheduler.flushNow();
    const deleted = log.applyRetention(60_000, -1, 600);
    assert.ok(deleted >= 3, `deleted ${deleted} segments by size`);
    assert.equal(log.logStartOffset, 16 - (6 - deleted));
    log.applyRetention(Number.MAX_SAFE_INTEGER, 0, 0);
    assert.equal(log.applyRetention(Number.MAX_SAFE_INTEGER, 0, 0), 0, 'the active segment is never deleted');
    assert.equal(log.logEndOffset, 16);
    assert.deepEqual(
      valuesOf(log.read(15, 1 << 20)).map((v) => v.slice(0, 6)),
      ['more-4'],
    );
  });

  it('finds the first offset at or after a timestamp', async () => {
    const m = await open(tempDir());
    await m.createTopic('ts', 1);
    const log = m.partition('ts', 0)!;
    log.appendBatches(batch(['a'], { ts: 100 }));
    log.appendBatches(batch(['b', 'c'], { ts: 200 }));
    log.appendBatches(batch(['d'], { ts: 300 }));
    await m.flushScheduler.flushNow();
    assert.deepEqual(log.offsetForTimestamp(150), { offset: 1, timestamp: 200 });
    assert.deepEqual(log.offsetForTimestamp(300), { offset: 3, timestamp: 300 });
    assert.equal(log.offsetForTimestamp(301), null);
  });

  it('appends several batches of one idempotent producer in one request when their sequences follow', async () => {
    const m = await open(tempDir());
    await m.createTopic('multi', 1);
    const { producerId, epoch } = await m.producerIds.allocate();
    const producer = { id: BigInt(producerId), epoch, seq: 0 };
    const log = m.partition('multi', 0)!;
    const two = Buffer.concat([
      batch(['a', 'b'], { producer }),
      batch(['c'], { producer: { ...producer, seq: 2 } }),
    ]);
    assert.deepEqual([log.appendBatches(two).errorCode, log.logEndOffset], [0, 3]);
    const gap = Buffer.concat([
      batch(['d'], { producer: { ...producer, seq: 3 } }),
      batch(['e'], { producer: { ...producer, seq: 9 } }),
    ]);
    assert.equal(log.appendBatches(gap).errorCode, 45, 'a gap inside the request is refused');
    assert.equal(log.logEndOffset, 3, 'and nothing of it is appended');
    assert.equal(log.appendBatches(batch(['d'], { producer: { ...producer, seq: 3 } })).errorCode, 0);
  });

  it('acknowledges a duplicate idempotent batch with its first offset, also after a restart', async () => {
    const dir = tempDir();
    let m = await open(dir);
    await m.createTopic('idem', 1);
    const { producerId, epoch } = await m.producerIds.allocate();
    const producer = { id: BigInt(producerId), epoch, seq: 0 };
    let log = m.partition('idem', 0)!;
    assert.equal(log.appendBatches(batch(['one', 'two'], { producer })).baseOffset, 0);
    const dup = log.appendBatches(batch(['one', 'two'], { producer }));
    assert.deepEqual([dup.errorCode, dup.baseOffset, dup.duplicate], [0, 0, true]);
    assert.equal(log.appendBatches(batch(['gap'], { producer: { ...producer, seq: 7 } })).errorCode, 45);
    assert.equal(
      log.appendBatches(batch(['old'], { producer: { ...producer, epoch: epoch - 1, seq: 2 } })).errorCode,
      47,
    );
    await m.close();
    m = await open(dir);
    log = m.partition('idem', 0)!;
    const again = log.appendBatches(batch(['one', 'two'], { producer }));
    assert.deepEqual([again.baseOffset, again.duplicate], [0, true]);
    assert.equal(log.logEndOffset, 2);
    const next = await m.producerIds.allocate();
    assert.ok(next.producerId > producerId, 'producer ids never repeat across restarts');
  });

  it('refuses bad topic names, duplicate topics, bad partition counts and unknown configs with codes', async () => {
    const m = await open(tempDir());
    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'none';
      } catch (err) {
        assert.ok(err instanceof LogError);
        return err.code;
      }
    };
    assert.equal(await codeOf(m.createTopic('a/b', 1)), 'INVALID_TOPIC_NAME');
    assert.equal(await codeOf(m.createTopic('..', 1)), 'INVALID_TOPIC_NAME');
    assert.equal(await codeOf(m.createTopic('x'.repeat(250), 1)), 'INVALID_TOPIC_NAME');
    assert.equal(await codeOf(m.createTopic('ok', 0)), 'INVALID_PARTITIONS');
    assert.equal(await codeOf(m.createTopic('ok', 1, { 'segment.jiggle': '1' })), 'INVALID_CONFIG');
    assert.equal(await codeOf(m.createTopic('ok', 1, { 'retention.ms': 'soon' })), 'INVALID_CONFIG');
    await m.createTopic('ok', 1);
    assert.equal(await codeOf(m.createTopic('ok', 1)), 'TOPIC_ALREADY_EXISTS');
    await m.deleteTopic('ok');
    assert.equal(m.getTopic('ok'), undefined);
    assert.equal(await codeOf(m.deleteTopic('ok')), 'UNKNOWN_TOPIC');
  });
});
