// The log of one partition: segments, appends in order with offsets assigned in place, reads of whole
// batches, recovery of a torn tail, retention, and the idempotent-producer check made with each append.
import {
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '@tributary/kafka-protocol';
import type { Logger } from 'pino';
import { ProducerStateTable } from '../producers/index.ts';
import type { FlushScheduler } from './flush-scheduler.ts';
import { type BatchInfo, Segment } from './segment.ts';

const HEADER = 61;
const CORRUPT_MESSAGE = 2;
const INVALID_RECORD = 87;
const LOG_APPEND_TIME_FLAG = 0x08;
const EMPTY = Buffer.alloc(0);

export interface PartitionLogOptions {
  segmentBytes: number;
  indexIntervalBytes: number;
  flush: FlushScheduler;
  logger: Logger;
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

export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #options: PartitionLogOptions;
  readonly #segments: Segment[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #scratch = Buffer.allocUnsafe(HEADER);
  #producers = new ProducerStateTable();
  #logStartOffset = 0;

  private constructor(topic: string, partition: number, dir: string, options: PartitionLogOptions) {
    this.topic = topic;
    this.partition = partition;
    this.dir = dir;
    this.#options = options;
  }

  static open(topic: string, partition: number, dir: string, options: PartitionLogOptions): PartitionLog {
    mkdirSync(dir, { recursive: true });
    const log = new PartitionLog(topic, partition, dir, options);
    log.#load();
    return log;
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }
  get highWatermark(): number {
    return this.#active.nextOffset;
  }
  get #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }

  #load(): void {
    const bases = readdirSync(this.dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .map((f) => Number(f.slice(0, 20)))
      .sort((a, b) => a - b);
    const snapshot = this.#loadProducerSnapshot();
    if (bases.length === 0) bases.push(snapshot?.offset ?? 0);
    bases.forEach((base, i) => {
      const segment = new Segment(
        this.dir,
        base,
        this.#options.indexIntervalBytes,
        !existsSync(join(this.dir, `${String(base).padStart(20, '0')}.log`)),
      );
      const fileSize = fstatSync(segment.fd).size;
      const last = i === bases.length - 1;
      if (last || !segment.loadIndex(fileSize)) this.#recover(segment, fileSize, last);
      this.#segments.push(segment);
    });
    this.#logStartOffset = this.#segments[0].baseOffset;
    // Rebuild producer state: the snapshot covers everything before its offset, the scan the rest.
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

  /** Scans a segment batch by batch; a torn or corrupt tail is cut at the last good batch. */
  #recover(segment: Segment, fileSize: number, last: boolean): void {
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
    if (reason !== null) {
      ftruncateSync(segment.fd, position);
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
    }
    if (last) segment.removeIndexFile();
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
    const batches = parseBatches(records);
    if (typeof batches === 'string')
      return fail(batches.includes('CRC') ? CORRUPT_MESSAGE : INVALID_RECORD, batches);
    for (const b of batches) {
      if (b.producerId < 0) continue;
      const check = this.#producers.check(
        b.producerId,
        b.producerEpoch,
        b.baseSequence,
        b.lastOffsetDelta + 1,
      );
      if (check.kind === 'duplicate') {
        if (batches.length === 1) {
          return { ...fail(0, ''), errorMessage: undefined, baseOffset: check.baseOffset, duplicate: true };
        }
        return fail(46, 'duplicate batch within a multi-batch request');
      }
      if (check.kind === 'error') return fail(check.errorCode, check.message);
    }
    const firstOffset = this.logEndOffset;
    let fd = -1;
    for (const b of batches) {
      const batch = records.subarray(b.start, b.start + b.size);
      const baseOffset = this.logEndOffset;
      batch.writeBigInt64BE(BigInt(baseOffset), 0);
      let maxTimestamp = b.maxTimestamp;
      if (opts.logAppendTime !== undefined) {
        batch.writeInt16BE(batch.readInt16BE(21) | LOG_APPEND_TIME_FLAG, 21);
        batch.writeBigInt64BE(BigInt(opts.logAppendTime), 35);
        batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
        maxTimestamp = opts.logAppendTime;
      }
      if (this.#active.size > 0 && this.#active.size + b.size > this.#options.segmentBytes) this.#roll();
      const info: BatchInfo = {
        baseOffset,
        lastOffset: baseOffset + b.lastOffsetDelta,
        size: b.size,
        maxTimestamp,
      };
      this.#active.append(batch, info);
      fd = this.#active.fd;
      if (b.producerId >= 0)
        this.#producers.record(
          b.producerId,
          b.producerEpoch,
          b.baseSequence,
          b.lastOffsetDelta + 1,
          baseOffset,
        );
    }
    this.#options.flush.written(fd);
    const flush = this.#options.flush;
    for (const listener of this.#listeners) listener();
    return {
      errorCode: 0,
      baseOffset: firstOffset,
      logAppendTime: opts.logAppendTime ?? -1,
      logStartOffset: this.#logStartOffset,
      duplicate: false,
      // Asked for only by acks=-1 produces, so acks=0/1 never trigger a flush of their own.
      get durable() {
        return flush.durable();
      },
    };
  }

  #roll(): void {
    const old = this.#active;
    old.writeIndex();
    this.#writeProducerSnapshot(old.nextOffset);
    this.#segments.push(new Segment(this.dir, old.nextOffset, this.#options.indexIntervalBytes, true));
    // The old segment's data is flushed by the scheduler; its descriptor stays open for reads.
  }

  /** Whole batches from the one containing `fetchOffset`, at least one even when larger than maxBytes (KIP-74). */
  read(fetchOffset: number, maxBytes: number): Buffer {
    if (fetchOffset >= this.logEndOffset || fetchOffset < this.#logStartOffset) return EMPTY;
    const segment = this.#segmentFor(fetchOffset);
    const found = segment.positionOf(fetchOffset, this.#scratch);
    if (!found) return EMPTY;
    let end = found.position + found.info.size;
    let position = end;
    while (position < segment.size) {
      const info = segment.peek(position, this.#scratch);
      if (!info || position + info.size - found.position > maxBytes) break;
      position += info.size;
      end = position;
    }
    return segment.read(found.position, end - found.position);
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
    for (const segment of this.#segments) {
      if (segment.maxTimestamp < timestampMs) continue;
      let position = 0;
      for (;;) {
        const info = segment.peek(position, this.#scratch);
        if (!info) break;
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
    let best: { offset: number; timestamp: number } | null = null;
    for (const segment of this.#segments) {
      if (best && segment.maxTimestamp <= best.timestamp) continue;
      let position = 0;
      for (;;) {
        const info = segment.peek(position, this.#scratch);
        if (!info) break;
        if (!best || info.maxTimestamp > best.timestamp)
          best = { offset: info.lastOffset, timestamp: info.maxTimestamp };
        position += info.size;
      }
    }
    return best;
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Deletes whole old segments beyond the retention limits; never the active one. */
  applyRetention(nowMs: number, retentionMs: number, retentionBytes: number): number {
    let deleted = 0;
    const total = () => this.#segments.reduce((sum, s) => sum + s.size, 0);
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0];
      const expired =
        retentionMs >= 0 && oldest.maxTimestamp >= 0 && oldest.maxTimestamp < nowMs - retentionMs;
      const tooBig = retentionBytes >= 0 && total() - oldest.size >= retentionBytes;
      if (!expired && !tooBig) break;
      this.#segments.shift();
      oldest.deleteFiles();
      deleted++;
    }
    if (deleted > 0) {
      this.#logStartOffset = this.#segments[0].baseOffset;
      this.#options.logger.info(
        { topic: this.topic, partition: this.partition, deleted, logStartOffset: this.#logStartOffset },
        'retention deleted segments',
      );
    }
    return deleted;
  }

  get #snapshotPath(): string {
    return join(this.dir, 'producer-state.json');
  }

  #writeProducerSnapshot(offset: number): void {
    writeFileSync(
      `${this.#snapshotPath}.tmp`,
      JSON.stringify({ offset, producers: this.#producers.toJSON() }),
    );
    renameSync(`${this.#snapshotPath}.tmp`, this.#snapshotPath);
  }

  #loadProducerSnapshot(): { offset: number; table: ProducerStateTable } | null {
    try {
      const parsed = JSON.parse(readFileSync(this.#snapshotPath, 'utf8')) as {
        offset?: unknown;
        producers?: unknown;
      };
      if (typeof parsed.offset !== 'number') return null;
      return { offset: parsed.offset, table: ProducerStateTable.fromJSON(parsed.producers) };
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    for (const s of this.#segments) await this.#options.flush.release(s.fd);
    this.#active.writeIndex();
    this.#writeProducerSnapshot(this.logEndOffset);
    for (const s of this.#segments) s.close();
    this.#listeners.clear();
  }

  async deleteAll(): Promise<void> {
    for (const s of this.#segments) await this.#options.flush.release(s.fd);
    for (const s of this.#segments) s.close();
    this.#listeners.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
