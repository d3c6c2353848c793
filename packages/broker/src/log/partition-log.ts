// The log of one partition: segments, appends in order with offsets assigned in place, reads of whole
// batches up to the high watermark, recovery after a crash or power cut, retention, and the
// idempotent-producer check made with each append.
//
// Durability: an append reaches the page cache at once; the flush scheduler syncs the partition's dirty
// segments (oldest first, with the directory entry of a new segment) and only then moves the high
// watermark, resolves acks=-1 waiters and wakes fetches. A failed write or sync takes the partition
// offline (KAFKA_STORAGE_ERROR) until the broker restarts: after a failed fsync the kernel may have
// dropped the dirty pages, so nothing written since the last good sync can be trusted ("fsyncgate").
import { dirname, join } from 'node:path';
import { crc32c } from '@tributary/kafka-protocol';
import type { Logger } from 'pino';
import { errorCode, type FileSystem } from '../io/index.ts';
import type { ReadBuffers } from '../io/read-buffers.ts';
import { ProducerStateTable } from '../producers/index.ts';
import type { Flushable, FlushScheduler } from './flush-scheduler.ts';
import type { IndexCache } from './index-cache.ts';
import type { OpenFiles } from './open-files.ts';
import { ProducerSnapshots } from './producer-snapshots.ts';
import { type BatchInfo, Segment } from './segment.ts';

const HEADER = 61;
const CORRUPT_MESSAGE = 2;
const KAFKA_STORAGE_ERROR = 56;
const INVALID_RECORD = 87;
const LOG_APPEND_TIME_FLAG = 0x08;
const EMPTY = Buffer.alloc(0);
const SEGMENT_FILE = /^\d{20}\.log$/;

export interface PartitionLogOptions {
  fs: FileSystem;
  segmentBytes: number;
  indexIntervalBytes: number;
  flush: FlushScheduler;
  logger: Logger;
  /** The budget of open segment files, shared by every partition. */
  files: OpenFiles;
  /** Indexes of rolled segments, read on demand; shared by every partition. */
  indexes: IndexCache;
  /** The broker shut down cleanly last time: indexes are current and everything is synced. */
  clean?: boolean;
}

export interface AppendResult {
  errorCode: number;
  errorMessage?: string;
  baseOffset: number;
  logAppendTime: number;
  logStartOffset: number;
  duplicate: boolean;
  /** Resolves once the batch is durable under the flush policy (acks=-1 waits on it). */
  durable: Promise<void>;
}

/** The partition's storage failed; it refuses appends and reads until the broker restarts. */
export class StorageError extends Error {
  readonly code = 'KAFKA_STORAGE_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

interface Parsed {
  start: number;
  size: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: number;
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Splits and validates a produce payload: whole batches, magic 2, CRC intact. */
function parseBatches(buf: Buffer): Parsed[] | string {
  const out: Parsed[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < HEADER) return 'truncated record batch header';
    const size = buf.readInt32BE(pos + 8) + 12;
    if (size < HEADER || pos + size > buf.length)
      return `record batch length ${size - 12} does not match the payload`;
    if (buf.readInt8(pos + 16) !== 2)
      return `record batch magic ${buf.readInt8(pos + 16)}: only magic 2 is supported`;
    if (crc32c(buf, pos + 21, pos + size) !== buf.readUInt32BE(pos + 17)) return 'record batch CRC mismatch';
    const lastOffsetDelta = buf.readInt32BE(pos + 23);
    const records = buf.readInt32BE(pos + 57);
    if (lastOffsetDelta < 0 || records < 0) return 'negative record count';
    out.push({
      start: pos,
      size,
      lastOffsetDelta,
      maxTimestamp: Number(buf.readBigInt64BE(pos + 35)),
      producerId: Number(buf.readBigInt64BE(pos + 43)),
      producerEpoch: buf.readInt16BE(pos + 51),
      baseSequence: buf.readInt32BE(pos + 53),
      records,
    });
    pos += size;
  }
  return out.length > 0 ? out : 'no record batch';
}

export class PartitionLog implements Flushable {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #options: PartitionLogOptions;
  readonly #fs: FileSystem;
  readonly #segments: Segment[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #scratch = Buffer.allocUnsafe(HEADER);
  readonly #snapshots: ProducerSnapshots;
  #producers = new ProducerStateTable();
  #logStartOffset = 0;
  #durableOffset = 0;
  #waiters: Waiter[] = [];
  #offline: StorageError | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(topic: string, partition: number, dir: string, options: PartitionLogOptions) {
    this.topic = topic;
    this.partition = partition;
    this.dir = dir;
    this.#options = options;
    this.#fs = options.fs;
    this.#snapshots = new ProducerSnapshots(options.fs, dir, options.logger);
  }

  /** Opens (or creates) the partition's directory, recovers its log and makes what it serves durable. */
  static async open(
    topic: string,
    partition: number,
    dir: string,
    options: PartitionLogOptions,
  ): Promise<PartitionLog> {
    const log = new PartitionLog(topic, partition, dir, options);
    try {
      await log.#load();
    } catch (err) {
      for (const s of log.#segments) s.close();
      throw err;
    }
    return log;
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }
  /** The end of what consumers may read: the synced end of the log (the log end under `os`). */
  get highWatermark(): number {
    return this.#options.flush.syncs ? this.#durableOffset : this.logEndOffset;
  }
  /** Bytes of the partition's segment files (what retention.bytes limits). */
  get sizeBytes(): number {
    let total = 0;
    for (const s of this.#segments) total += s.size;
    return total;
  }
  /** Set once a write or sync failed: the partition refuses appends and reads until restart. */
  get offline(): StorageError | null {
    return this.#offline;
  }
  get #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }
  /** The size at which the active segment is rolled (the topic's segment.bytes); applies from the next roll. */
  set segmentBytes(bytes: number) {
    this.#options.segmentBytes = bytes;
  }

  /**
   * Moves the log start offset up to `offset` (DeleteRecords, KIP-107; capped at the log end) and deletes
   * the segments wholly below it, never the active one. Returns the new log start offset. The caller makes
   * the new offset durable first (log-start-offset.ts).
   */
  advanceLogStartOffset(offset: number): number {
    if (offset <= this.#logStartOffset) return this.#logStartOffset;
    this.#logStartOffset = Math.min(offset, this.logEndOffset);
    let deleted = 0;
    while (this.#segments.length > 1 && this.#segments[1].baseOffset <= this.#logStartOffset) {
      const oldest = this.#segments.shift()!;
      try {
        oldest.deleteFiles();
      } catch (err) {
        this.#goOffline('deleting a segment failed', err);
        break;
      }
      deleted++;
    }
    if (deleted > 0)
      this.#fs.syncDir(this.dir).catch((err: unknown) => this.#goOffline('directory sync failed', err));
    return this.#logStartOffset;
  }

  async #load(): Promise<void> {
    const fs = this.#fs;
    // A directory the metadata names but the disk lacks (its creation never became durable) is made
    // again, durably: its name must survive a power cut before any record is stored in it.
    const existed = fs.exists(this.dir);
    fs.mkdir(this.dir);
    if (!existed) await fs.syncDir(dirname(this.dir));
    const bases = fs
      .readdir(this.dir)
      .filter((f) => SEGMENT_FILE.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    if (bases.length === 0) bases.push(0);
    let dirChanged = false;
    const scanned: Segment[] = [];
    for (let i = 0; i < bases.length; i++) {
      const segment = new Segment(
        fs,
        this.#options.files,
        this.#options.indexes,
        this.dir,
        bases[i],
        this.#options.indexIntervalBytes,
        true,
      );
      this.#segments.push(segment);
      const fileSize = segment.fileSize();
      const last = i === bases.length - 1;
      // After a crash only the tail is scanned: the active segment and any whose index is missing or stale.
      if ((!last || this.#options.clean) && segment.loadIndex(fileSize, last)) continue;
      this.#recover(segment, fileSize);
      scanned.push(segment);
      if (segment.unnamed) dirChanged = true;
    }
    // The log must be contiguous. A segment that ends short of the next one's base (its unsynced tail was
    // lost while a later segment's data reached the disk) or overlaps it (a deletion that did not survive)
    // ends the log: nothing after a gap was ever acknowledged as durable, since a partition syncs its
    // segments oldest first and moves its high watermark only when all of them are synced.
    for (let i = 1; i < this.#segments.length; i++) {
      const previous = this.#segments[i - 1];
      if (this.#segments[i].baseOffset === previous.nextOffset) continue;
      const dropped = this.#segments.splice(i);
      for (const s of dropped) s.deleteFiles();
      dirChanged = true;
      this.#options.logger.warn(
        {
          topic: this.topic,
          partition: this.partition,
          logEndOffset: previous.nextOffset,
          droppedSegments: dropped.map((s) => s.baseOffset),
        },
        'dropped segments after a gap in the log',
      );
      break;
    }
    this.#active.removeIndexFile();
    // What is served must be on disk: after a killed process the page cache may still hold data (and
    // names) the disk does not, so the directory and every segment are synced (cheap when already clean)
    // before the high watermark covers them. A clean shutdown synced everything already.
    if (dirChanged || !this.#options.clean) await fs.syncDir(this.dir);
    for (const s of this.#segments) s.unnamed = false;
    await Promise.all(this.#segments.filter((s) => s.dirty || !this.#options.clean).map((s) => s.sync()));
    for (const s of this.#segments) s.durableSize = s.size;
    // Rolled segments that had to be scanned get their index file now that their data is on disk, and
    // keep no index in memory.
    for (const s of scanned) if (s !== this.#active && this.#segments.includes(s)) this.#writeIndex(s);
    this.#logStartOffset = this.#segments[0].baseOffset;
    this.#durableOffset = this.logEndOffset;
    this.#loadProducers();
    if (this.#snapshots.removed) await fs.syncDir(this.dir);
  }

  /** Rebuilds producer state: the newest snapshot within the log covers what precedes it, a scan the rest. */
  #loadProducers(): void {
    const snapshot = this.#snapshots.load(this.logEndOffset);
    this.#producers = snapshot?.table ?? new ProducerStateTable();
    const from = snapshot?.offset ?? this.#logStartOffset;
    for (const segment of this.#segments) {
      if (segment.nextOffset <= from) continue;
      let position = 0;
      for (;;) {
        const info = segment.peek(position, this.#scratch);
        if (!info) break;
        if (info.baseOffset >= from) this.#rememberProducer(this.#scratch, info.baseOffset);
        position += info.size;
      }
    }
  }

  #rememberProducer(header: Buffer, baseOffset: number): void {
    const producerId = Number(header.readBigInt64BE(43));
    if (producerId < 0) return;
    this.#producers.record(
      producerId,
      header.readInt16BE(51),
      header.readInt32BE(53),
      header.readInt32BE(57),
      baseOffset,
    );
  }

  /** Scans a segment batch by batch; a torn or corrupt tail is cut at the last good batch. True if cut. */
  #recover(segment: Segment, fileSize: number): boolean {
    segment.size = fileSize;
    let position = 0;
    let expected = segment.baseOffset;
    let reason: string | null = null;
    for (;;) {
      if (position === fileSize) break;
      const info = segment.peek(position, this.#scratch);
      if (!info) {
        reason = 'partial batch header';
        break;
      }
      if (info.size < HEADER || position + info.size > fileSize) {
        reason = 'partial batch';
        break;
      }
      if (info.baseOffset !== expected) {
        reason = `offset ${info.baseOffset} where ${expected} was expected`;
        break;
      }
      const bytes = segment.read(position, info.size);
      if (bytes.readInt8(16) !== 2 || crc32c(bytes, 21, bytes.length) !== bytes.readUInt32BE(17)) {
        reason = 'CRC mismatch';
        break;
      }
      segment.track(info, position);
      expected = info.lastOffset + 1;
      position += info.size;
    }
    segment.size = position;
    segment.nextOffset = expected;
    if (reason === null) return false;
    segment.truncate(position);
    this.#options.logger.warn(
      {
        topic: this.topic,
        partition: this.partition,
        segment: segment.baseOffset,
        truncatedBytes: fileSize - position,
        reason,
      },
      'truncated a torn tail of the log',
    );
    return true;
  }

  appendBatches(records: Buffer, opts: { logAppendTime?: number } = {}): AppendResult {
    const fail = (errorCode: number, errorMessage: string): AppendResult => ({
      errorCode,
      errorMessage,
      baseOffset: -1,
      logAppendTime: -1,
      logStartOffset: this.#logStartOffset,
      duplicate: false,
      durable: Promise.resolve(),
    });
    if (this.#offline) return fail(KAFKA_STORAGE_ERROR, this.#offline.message);
    const batches = parseBatches(records);
    if (typeof batches === 'string')
      return fail(batches.includes('CRC') ? CORRUPT_MESSAGE : INVALID_RECORD, batches);
    // A later batch of the same producer in this request must follow the earlier one (the table only
    // learns of the earlier one once the request is appended).
    const inRequest = new Map<number, { epoch: number; next: number }>();
    for (const b of batches) {
      if (b.producerId < 0) continue;
      const earlier = inRequest.get(b.producerId);
      inRequest.set(b.producerId, {
        epoch: b.producerEpoch,
        next: (b.baseSequence + b.lastOffsetDelta + 1) % 2 ** 31,
      });
      if (earlier) {
        if (b.producerEpoch !== earlier.epoch || b.baseSequence !== earlier.next)
          return fail(
            45,
            `producer ${b.producerId} expected sequence ${earlier.next} (epoch ${earlier.epoch}) within the request, got ${b.baseSequence} (epoch ${b.producerEpoch})`,
          );
        continue;
      }
      const check = this.#producers.check(
        b.producerId,
        b.producerEpoch,
        b.baseSequence,
        b.lastOffsetDelta + 1,
      );
      if (check.kind === 'duplicate') {
        if (batches.length > 1) return fail(46, 'duplicate batch within a multi-batch request');
        // A retry of a batch that is already in the log is answered with the original's offset, but only
        // once the original is durable: the retry may arrive before the first attempt's flush.
        return this.#appended(check.baseOffset, -1, true, check.baseOffset + b.lastOffsetDelta + 1);
      }
      if (check.kind === 'error') return fail(check.errorCode, check.message);
    }
    // One request's batches go to one segment in one write (Kafka rolls per append, not per batch).
    if (this.#active.size > 0 && this.#active.size + records.length > this.#options.segmentBytes) {
      try {
        this.#roll();
      } catch (err) {
        this.#options.logger.error(
          { err, topic: this.topic, partition: this.partition },
          'cannot roll a new segment',
        );
        return fail(KAFKA_STORAGE_ERROR, `cannot roll a new segment: ${errorCode(err) ?? String(err)}`);
      }
    }
    const firstOffset = this.logEndOffset;
    const infos: BatchInfo[] = [];
    let next = firstOffset;
    for (const b of batches) {
      const batch = records.subarray(b.start, b.start + b.size);
      batch.writeBigInt64BE(BigInt(next), 0);
      let maxTimestamp = b.maxTimestamp;
      if (opts.logAppendTime !== undefined) {
        batch.writeInt16BE(batch.readInt16BE(21) | LOG_APPEND_TIME_FLAG, 21);
        batch.writeBigInt64BE(BigInt(opts.logAppendTime), 35);
        batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
        maxTimestamp = opts.logAppendTime;
      }
      infos.push({ baseOffset: next, lastOffset: next + b.lastOffsetDelta, size: b.size, maxTimestamp });
      next += b.lastOffsetDelta + 1;
    }
    const active = this.#active;
    let position = active.size;
    try {
      active.write(records);
    } catch (err) {
      this.#goOffline('append failed', err);
      return fail(KAFKA_STORAGE_ERROR, this.#offline!.message);
    }
    for (let i = 0; i < batches.length; i++) {
      active.track(infos[i], position);
      position += infos[i].size;
      const b = batches[i];
      if (b.producerId >= 0)
        this.#producers.record(
          b.producerId,
          b.producerEpoch,
          b.baseSequence,
          b.lastOffsetDelta + 1,
          infos[i].baseOffset,
        );
    }
    if (this.#options.flush.syncs) this.#options.flush.dirty(this);
    else this.#notify();
    return this.#appended(firstOffset, opts.logAppendTime ?? -1, false, this.logEndOffset);
  }

  #appended(baseOffset: number, logAppendTime: number, duplicate: boolean, end: number): AppendResult {
    const log = this;
    let durable: Promise<void> | undefined;
    return {
      errorCode: 0,
      baseOffset,
      logAppendTime,
      logStartOffset: this.#logStartOffset,
      duplicate,
      // Made on first read: asked for only by acks=-1 produces, so acks=0/1 never trigger a flush (and
      // a failed flush nobody waits for is no unhandled rejection).
      get durable() {
        durable ??= log.waitDurable(end);
        return durable;
      },
    };
  }

  /** Resolves once offsets below `offset` are durable; rejects when the partition goes offline first. */
  waitDurable(offset: number): Promise<void> {
    if (this.#offline) return Promise.reject(this.#offline);
    if (!this.#options.flush.syncs || this.#durableOffset >= offset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ offset, resolve, reject });
      this.#options.flush.requestFlush();
    });
  }

  /** Syncs the dirty segments, oldest first, then moves the high watermark (called by the scheduler). */
  flush(): Promise<void> {
    // One at a time: a second flush must not count on a sync the first has in flight (and may fail).
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#offline || this.#closed) return;
    const target = this.logEndOffset;
    const dirty = this.#segments.filter((s) => s.dirty || s.unnamed);
    const observer = this.#options.flush.observer;
    try {
      for (const s of dirty) {
        if (observer === undefined) await s.sync();
        else {
          const started = performance.now();
          await s.sync();
          observer.synced((performance.now() - started) / 1000);
        }
      }
    } catch (err) {
      observer?.failed();
      this.#goOffline('fdatasync failed', err);
      return;
    }
    if (this.#offline) return;
    for (const s of this.#segments) {
      if (s.indexPending && s !== this.#active && !s.dirty) {
        s.indexPending = false;
        this.#writeIndex(s);
      }
    }
    if (target > this.#durableOffset) {
      this.#durableOffset = target;
      this.#notify();
    }
    if (this.#waiters.length > 0) {
      const ready = this.#waiters.filter((w) => w.offset <= this.#durableOffset);
      this.#waiters = this.#waiters.filter((w) => w.offset > this.#durableOffset);
      for (const w of ready) w.resolve();
    }
  }

  #writeIndex(segment: Segment): void {
    try {
      segment.writeIndex();
      if (segment !== this.#active) segment.dropIndex();
    } catch (err) {
      // Only a cache: without it the segment is scanned on the next start.
      this.#options.logger.warn({ err, segment: segment.baseOffset }, 'cannot write a segment index');
    }
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #goOffline(what: string, err: unknown): void {
    if (this.#offline) return;
    const cause = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
    this.#offline = new StorageError(
      `${cause}: ${what} on ${this.topic}-${this.partition}; the partition is offline until the broker restarts`,
      { cause: err },
    );
    this.#options.logger.error({ err, topic: this.topic, partition: this.partition }, this.#offline.message);
    for (const w of this.#waiters.splice(0)) w.reject(this.#offline);
    for (const s of this.#segments) {
      try {
        s.discardUnsynced();
      } catch (cutErr) {
        this.#options.logger.error({ err: cutErr, segment: s.baseOffset }, 'cannot cut unsynced bytes');
      }
    }
    this.#notify();
  }

  #roll(): void {
    const old = this.#active;
    const segment = new Segment(
      this.#fs,
      this.#options.files,
      this.#options.indexes,
      this.dir,
      old.nextOffset,
      this.#options.indexIntervalBytes,
      true,
    );
    this.#segments.push(segment);
    // An index may only describe data that is on disk (a power cut could otherwise leave an index whose
    // size matches a file with a hole): under a syncing policy it is written once the segment is synced.
    if (this.#options.flush.syncs) old.indexPending = true;
    else this.#writeIndex(old);
    this.#snapshots.write(old.nextOffset, this.#producers);
  }

  /**
   * Whole batches from the one containing `fetchOffset`, at least one even when larger than maxBytes
   * (KIP-74), never past the high watermark.
   */
  read(fetchOffset: number, maxBytes: number, pool?: ReadBuffers): Buffer {
    const hw = this.highWatermark;
    if (this.#offline || fetchOffset >= hw || fetchOffset < this.#logStartOffset) return EMPTY;
    const segment = this.#segmentFor(fetchOffset);
    const found = segment.positionOf(fetchOffset, this.#scratch);
    if (!found || found.info.lastOffset >= hw) return EMPTY;
    let end = found.position + found.info.size;
    let position = end;
    while (position < segment.size) {
      const info = segment.peek(position, this.#scratch);
      if (!info || info.lastOffset >= hw || position + info.size - found.position > maxBytes) break;
      position += info.size;
      end = position;
    }
    return segment.read(found.position, end - found.position, pool);
  }

  #segmentFor(offset: number): Segment {
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.#segments[lo];
  }

  /** The first offset whose batch has a timestamp at or after `timestampMs`. */
  offsetForTimestamp(timestampMs: number): { offset: number; timestamp: number } | null {
    const hw = this.highWatermark;
    for (const segment of this.#segments) {
      if (segment.maxTimestamp < timestampMs) continue;
      let position = 0;
      for (;;) {
        const info = segment.peek(position, this.#scratch);
        if (!info || info.baseOffset >= hw) break;
        if (info.maxTimestamp >= timestampMs) {
          return { offset: Math.max(info.baseOffset, this.#logStartOffset), timestamp: info.maxTimestamp };
        }
        position += info.size;
      }
    }
    return null;
  }

  /** The batch holding the newest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734). */
  maxTimestampOffset(): { offset: number; timestamp: number } | null {
    const hw = this.highWatermark;
    let best: { offset: number; timestamp: number } | null = null;
    for (const segment of this.#segments) {
      if (best && segment.maxTimestamp <= best.timestamp) continue;
      let position = 0;
      for (;;) {
        const info = segment.peek(position, this.#scratch);
        if (!info || info.lastOffset >= hw) break;
        if (!best || info.maxTimestamp > best.timestamp)
          best = { offset: info.lastOffset, timestamp: info.maxTimestamp };
        position += info.size;
      }
    }
    return best;
  }

  /** Calls `listener` whenever the high watermark moves (or the partition goes offline). */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Deletes whole old segments beyond the retention limits; never the active one. */
  applyRetention(nowMs: number, retentionMs: number, retentionBytes: number): number {
    if (this.#offline) return 0;
    let deleted = 0;
    const total = () => this.#segments.reduce((sum, s) => sum + s.size, 0);
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0];
      // Only what consumers could already read is ever deleted.
      if (oldest.nextOffset > this.highWatermark) break;
      const expired =
        retentionMs >= 0 && oldest.maxTimestamp >= 0 && oldest.maxTimestamp < nowMs - retentionMs;
      const tooBig = retentionBytes >= 0 && total() - oldest.size >= retentionBytes;
      if (!expired && !tooBig) break;
      this.#segments.shift();
      try {
        oldest.deleteFiles();
      } catch (err) {
        this.#goOffline('deleting a segment failed', err);
        return deleted;
      }
      deleted++;
    }
    if (deleted > 0) {
      // A DeleteRecords may already have moved the start past the first remaining segment's base.
      this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments[0].baseOffset);
      this.#fs.syncDir(this.dir).catch((err: unknown) => this.#goOffline('directory sync failed', err));
      this.#options.logger.info(
        { topic: this.topic, partition: this.partition, deleted, logStartOffset: this.#logStartOffset },
        'retention deleted segments',
      );
    }
    return deleted;
  }

  /** Syncs what is left, persists the active segment's index and a producer snapshot, closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (!this.#offline) {
      try {
        this.#active.writeIndex();
        await this.#snapshots.writeNow(this.logEndOffset, this.#producers);
      } catch (err) {
        this.#options.logger.warn(
          { err, topic: this.topic, partition: this.partition },
          'cannot write the index or producer snapshot at close',
        );
      }
    }
    for (const w of this.#waiters.splice(0)) w.reject(new StorageError('the partition log is closed'));
    for (const s of this.#segments) s.close();
    this.#listeners.clear();
  }

  /** Closes the files without syncing (the directory is about to be removed). */
  closeForDelete(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.reject(new StorageError('the topic was deleted'));
    for (const s of this.#segments) s.close();
    this.#listeners.clear();
  }

  /** The path of a partition's directory under the log directory. */
  static dirFor(dataDir: string, topic: string, partition: number): string {
    return join(dataDir, `${topic}-${partition}`);
  }
}
