// One segment file of a partition log: batches appended as they are, a sparse in-memory offset index
// (persisted beside it when the segment is closed) and the newest timestamp it holds.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** Batch header fields the log needs, read without decoding the batch. */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
}

const HEADER_PEEK = 61;

export function segmentFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export class Segment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly fd: number;
  size: number;
  /** Offset after the last batch. */
  nextOffset: number;
  maxTimestamp = -1;
  /** Sparse index: batch base offsets and their file positions, ascending. */
  readonly indexOffsets: number[] = [];
  readonly indexPositions: number[] = [];
  #bytesSinceIndex = Number.POSITIVE_INFINITY;
  readonly #indexInterval: number;

  constructor(dir: string, baseOffset: number, indexInterval: number, create: boolean) {
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#indexInterval = indexInterval;
    this.fd = openSync(this.logPath, create ? 'a+' : 'r+');
    this.size = 0;
    this.nextOffset = baseOffset;
  }

  get logPath(): string {
    return join(this.dir, `${segmentFileName(this.baseOffset)}.log`);
  }

  get indexPath(): string {
    return join(this.dir, `${segmentFileName(this.baseOffset)}.index`);
  }

  /** Reads the header of the batch at `position`, or null when there is no whole header there. */
  peek(position: number, scratch: Buffer): BatchInfo | null {
    if (position + HEADER_PEEK > this.size) return null;
    readSync(this.fd, scratch, 0, HEADER_PEEK, position);
    const baseOffset = Number(scratch.readBigInt64BE(0));
    const size = scratch.readInt32BE(8) + 12;
    return {
      baseOffset,
      lastOffset: baseOffset + scratch.readInt32BE(23),
      size,
      maxTimestamp: Number(scratch.readBigInt64BE(35)),
    };
  }

  append(batch: Buffer, info: BatchInfo): void {
    const position = this.size;
    let written = 0;
    while (written < batch.length)
      written += writeSync(this.fd, batch, written, batch.length - written, position + written);
    this.track(info, position);
  }

  /** Updates the in-memory state for a batch now at `position` (on append and on recovery). */
  track(info: BatchInfo, position: number): void {
    if (this.#bytesSinceIndex >= this.#indexInterval) {
      this.indexOffsets.push(info.baseOffset);
      this.indexPositions.push(position);
      this.#bytesSinceIndex = 0;
    }
    this.#bytesSinceIndex += info.size;
    if (position + info.size > this.size) this.size = position + info.size;
    this.nextOffset = info.lastOffset + 1;
    if (info.maxTimestamp > this.maxTimestamp) this.maxTimestamp = info.maxTimestamp;
  }

  /** File position of the batch containing `offset` (scanning from the nearest index entry). */
  positionOf(offset: number, scratch: Buffer): { position: number; info: BatchInfo } | null {
    let lo = 0;
    let hi = this.indexOffsets.length - 1;
    let start = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.indexOffsets[mid] <= offset) {
        start = this.indexPositions[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let position = start;
    for (;;) {
      const info = this.peek(position, scratch);
      if (!info) return null;
      if (info.lastOffset >= offset) return { position, info };
      position += info.size;
    }
  }

  read(position: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, out, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? out : out.subarray(0, got);
  }

  /** Persists the index and the segment summary so reopening a closed segment needs no scan. */
  writeIndex(): void {
    const n = this.indexOffsets.length;
    const buf = Buffer.alloc(28 + n * 16);
    buf.writeInt32BE(0x54494458, 0); // "TIDX"
    buf.writeBigInt64BE(BigInt(this.nextOffset), 4);
    buf.writeBigInt64BE(BigInt(this.maxTimestamp), 12);
    buf.writeInt32BE(this.size, 20);
    buf.writeInt32BE(n, 24);
    for (let i = 0; i < n; i++) {
      buf.writeBigInt64BE(BigInt(this.indexOffsets[i]), 28 + i * 16);
      buf.writeBigInt64BE(BigInt(this.indexPositions[i]), 36 + i * 16);
    }
    writeFileSync(this.indexPath, buf);
  }

  /** Loads a persisted index when it matches the file; false means the segment must be scanned. */
  loadIndex(fileSize: number): boolean {
    if (!existsSync(this.indexPath)) return false;
    const buf = readFileSync(this.indexPath);
    if (buf.length < 28 || buf.readInt32BE(0) !== 0x54494458) return false;
    const size = buf.readInt32BE(20);
    const n = buf.readInt32BE(24);
    if (size !== fileSize || buf.length !== 28 + n * 16) return false;
    this.nextOffset = Number(buf.readBigInt64BE(4));
    this.maxTimestamp = Number(buf.readBigInt64BE(12));
    this.size = size;
    for (let i = 0; i < n; i++) {
      this.indexOffsets.push(Number(buf.readBigInt64BE(28 + i * 16)));
      this.indexPositions.push(Number(buf.readBigInt64BE(36 + i * 16)));
    }
    return true;
  }

  removeIndexFile(): void {
    if (existsSync(this.indexPath)) unlinkSync(this.indexPath);
  }

  close(): void {
    closeSync(this.fd);
  }

  deleteFiles(): void {
    this.close();
    unlinkSync(this.logPath);
    this.removeIndexFile();
  }
}
