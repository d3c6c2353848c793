// One segment file of a partition log: batches appended as they are, a sparse offset index and the
// newest timestamp it holds. The active segment keeps its index in memory; once a rolled segment's index
// is persisted beside it (with a checksum), lookups read it through the shared index cache instead. All
// file access goes through the file-system port.
import { join } from 'node:path';
import { crc32c } from '@tributary/kafka-protocol';
import { errorCode, type FileSystem, writeAll } from '../io/index.ts';
import type { ReadBuffers } from '../io/read-buffers.ts';
import { INDEX_ENTRY_BYTES, type IndexCache, type IndexEntries, indexStart } from './index-cache.ts';
import type { OpenFiles, PooledFile } from './open-files.ts';

/** Batch header fields the log needs, read without decoding the batch. */
export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  size: number;
  maxTimestamp: number;
}

const HEADER_PEEK = 61;
/** Reads this large go out by reference (see the protocol writer), so their buffers can be reused. */
const POOLED_READ_BYTES = 64 * 1024;
const INDEX_MAGIC = 0x54494432; // "TID2"
const INDEX_HEADER = 32;

export function segmentFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export class Segment implements PooledFile {
  readonly dir: string;
  readonly baseOffset: number;
  readonly #fs: FileSystem;
  readonly #files: OpenFiles;
  readonly #indexes: IndexCache;
  #fd: number | null;
  #syncing = false;
  size: number;
  /** Offset after the last batch. */
  nextOffset: number;
  maxTimestamp = -1;
  /** Bytes written since the last successful datasync (what a power cut may take). */
  dirty = false;
  /** Bytes known to be on disk (synced, or found there by recovery). */
  durableSize = 0;
  /** Rolled, and its index is to be written once its data is synced. */
  indexPending = false;
  /** The file's name is not yet durable in its directory. */
  unnamed: boolean;
  /** Sparse index held in memory: batch base offsets and their file positions, ascending. */
  #indexOffsets: number[] = [];
  #indexPositions: number[] = [];
  /** The index is in its file (read through the index cache), not in memory. */
  #indexInFile = false;
  #bytesSinceIndex = Number.POSITIVE_INFINITY;
  readonly #indexInterval: number;

  constructor(
    fs: FileSystem,
    files: OpenFiles,
    indexes: IndexCache,
    dir: string,
    baseOffset: number,
    indexInterval: number,
    create: boolean,
  ) {
    this.#fs = fs;
    this.#files = files;
    this.#indexes = indexes;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.#indexInterval = indexInterval;
    this.unnamed = create && !fs.exists(this.logPath);
    this.#fd = fs.open(this.logPath, create ? 'create' : 'write');
    files.use(this);
    this.size = 0;
    this.nextOffset = baseOffset;
  }

  /** The open descriptor, reopened when the open-file budget closed it. */
  get fd(): number {
    if (this.#fd === null) this.#fd = this.#fs.open(this.logPath, 'write');
    this.#files.use(this);
    return this.#fd;
  }

  get closable(): boolean {
    return !this.dirty && !this.unnamed && !this.#syncing;
  }

  release(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    this.#fs.close(fd);
  }

  get logPath(): string {
    return join(this.dir, `${segmentFileName(this.baseOffset)}.log`);
  }

  get indexPath(): string {
    return join(this.dir, `${segmentFileName(this.baseOffset)}.index`);
  }

  /** Size of the file on disk (may exceed `size` before recovery cuts a torn tail). */
  fileSize(): number {
    return this.#fs.size(this.fd);
  }

  /** Reads the header of the batch at `position`, or null when there is no whole header there. */
  peek(position: number, scratch: Buffer): BatchInfo | null {
    if (position + HEADER_PEEK > this.size) return null;
    if (this.#fs.read(this.fd, scratch, 0, HEADER_PEEK, position) < HEADER_PEEK) return null;
    const baseOffset = Number(scratch.readBigInt64BE(0));
    const size = scratch.readInt32BE(8) + 12;
    return {
      baseOffset,
      lastOffset: baseOffset + scratch.readInt32BE(23),
      size,
      maxTimestamp: Number(scratch.readBigInt64BE(35)),
    };
  }

  /**
   * Writes bytes at the end of the segment. On a failed or short write the file is cut back to where it
   * was, so nothing half-written stays for later appends to follow; if even that fails, the error says so
   * and the caller must stop using the log.
   */
  write(bytes: Buffer): void {
    const position = this.size;
    try {
      writeAll(this.#fs, this.fd, bytes, position);
    } catch (err) {
      try {
        this.#fs.truncate(this.fd, position);
      } catch (cutErr) {
        throw new AggregateError(
          [err, cutErr],
          `${errorCode(err) ?? 'write failed'}; cutting it back failed`,
        );
      }
      throw err;
    }
    this.dirty = true;
  }

  /** Updates the in-memory state for a batch now at `position` (on append and on recovery). */
  track(info: BatchInfo, position: number): void {
    if (this.#bytesSinceIndex >= this.#indexInterval) {
      this.#indexOffsets.push(info.baseOffset);
      this.#indexPositions.push(position);
      this.#bytesSinceIndex = 0;
    }
    this.#bytesSinceIndex += info.size;
    if (position + info.size > this.size) this.size = position + info.size;
    this.nextOffset = info.lastOffset + 1;
    if (info.maxTimestamp > this.maxTimestamp) this.maxTimestamp = info.maxTimestamp;
  }

  /** Cuts the file at `position` (recovery of a torn tail, or of a gap). */
  truncate(position: number): void {
    this.#indexes.forget(this);
    this.#fs.truncate(this.fd, position);
    this.size = position;
    this.dirty = true;
  }

  /** Makes the segment's bytes (and, for a new file, its name) durable. */
  async sync(): Promise<void> {
    if (this.unnamed) {
      await this.#fs.syncDir(this.dir);
      this.unnamed = false;
    }
    this.dirty = false;
    const size = this.size;
    this.#syncing = true;
    try {
      await this.#fs.datasync(this.fd);
    } catch (err) {
      this.dirty = true;
      throw err;
    } finally {
      this.#syncing = false;
    }
    this.durableSize = Math.max(this.durableSize, size);
  }

  /**
   * After a failed sync the page cache may show bytes the disk will never get (the kernel marks them
   * clean): cut the file back to what is known to be on disk, so that no later reader, this process's or
   * the next one's, is served them.
   */
  discardUnsynced(): void {
    if (this.size > this.durableSize) this.truncate(this.durableSize);
  }

  /** File position of the batch containing `offset` (scanning from the nearest index entry). */
  positionOf(offset: number, scratch: Buffer): { position: number; info: BatchInfo } | null {
    let position = this.#indexInFile
      ? indexStart(this.#cachedIndex(scratch), offset)
      : this.#memoryStart(offset);
    for (;;) {
      const info = this.peek(position, scratch);
      if (!info) return null;
      if (info.lastOffset >= offset) return { position, info };
      position += info.size;
    }
  }

  #memoryStart(offset: number): number {
    let lo = 0;
    let hi = this.#indexOffsets.length - 1;
    let start = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#indexOffsets[mid] <= offset) {
        start = this.#indexPositions[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return start;
  }

  /**
   * The index entries of a rolled segment: from the cache, else from its file, else (the file is gone or
   * does not match) rebuilt by reading the batch headers, and written again.
   */
  #cachedIndex(scratch: Buffer): IndexEntries {
    let entries = this.#indexes.get(this);
    if (entries !== undefined) return entries;
    let file: Buffer | null = null;
    try {
      file = this.#readIndexFile(this.size);
    } catch {
      // An unreadable index file is rebuilt like a missing one.
    }
    if (file !== null) entries = file.subarray(INDEX_HEADER);
    else {
      const offsets: number[] = [];
      const positions: number[] = [];
      let sinceEntry = Number.POSITIVE_INFINITY;
      for (let position = 0; position < this.size; ) {
        const info = this.peek(position, scratch);
        if (!info) break;
        if (sinceEntry >= this.#indexInterval) {
          offsets.push(info.baseOffset);
          positions.push(position);
          sinceEntry = 0;
        }
        sinceEntry += info.size;
        position += info.size;
      }
      const encoded = this.#encodeIndex(offsets, positions);
      try {
        this.#writeIndexFile(encoded);
      } catch {
        // Only a cache: the next lookup after eviction rebuilds it again.
      }
      entries = encoded.subarray(INDEX_HEADER);
    }
    this.#indexes.put(this, entries);
    return entries;
  }

  /** Reads `length` bytes at `position`, into a pooled buffer when `pool` is given and the read is large. */
  read(position: number, length: number, pool?: ReadBuffers): Buffer {
    const out = pool ? pool.acquire(length, POOLED_READ_BYTES) : Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = this.#fs.read(this.fd, out, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? out : out.subarray(0, got);
  }

  /**
   * Persists the index and the segment summary so reopening the segment needs no scan. Not synced: a
   * lost or torn index fails its checksum on open and the segment is scanned instead.
   */
  writeIndex(): void {
    if (this.#indexInFile) return;
    this.#writeIndexFile(this.#encodeIndex(this.#indexOffsets, this.#indexPositions));
  }

  /** Lets go of the in-memory index of a rolled segment whose index file is written. */
  dropIndex(): void {
    this.#indexInFile = true;
    this.#indexOffsets = [];
    this.#indexPositions = [];
  }

  #encodeIndex(offsets: readonly number[], positions: readonly number[]): Buffer {
    const n = offsets.length;
    const buf = Buffer.alloc(INDEX_HEADER + n * INDEX_ENTRY_BYTES);
    buf.writeInt32BE(INDEX_MAGIC, 0);
    buf.writeBigInt64BE(BigInt(this.nextOffset), 8);
    buf.writeBigInt64BE(BigInt(this.maxTimestamp), 16);
    buf.writeInt32BE(this.size, 24);
    buf.writeInt32BE(n, 28);
    for (let i = 0; i < n; i++) {
      buf.writeBigInt64BE(BigInt(offsets[i]), INDEX_HEADER + i * INDEX_ENTRY_BYTES);
      buf.writeBigInt64BE(BigInt(positions[i]), INDEX_HEADER + 8 + i * INDEX_ENTRY_BYTES);
    }
    buf.writeUInt32BE(crc32c(buf, 8, buf.length), 4);
    return buf;
  }

  #writeIndexFile(buf: Buffer): void {
    const fd = this.#fs.open(this.indexPath, 'create');
    try {
      this.#fs.truncate(fd, 0);
      writeAll(this.#fs, fd, buf, 0);
    } finally {
      this.#fs.close(fd);
    }
  }

  /** The index file when it is intact and describes a segment file of `fileSize` bytes, else null. */
  #readIndexFile(fileSize: number): Buffer | null {
    if (!this.#fs.exists(this.indexPath)) return null;
    const buf = this.#fs.readFile(this.indexPath);
    if (buf.length < INDEX_HEADER || buf.readInt32BE(0) !== INDEX_MAGIC) return null;
    if (crc32c(buf, 8, buf.length) !== buf.readUInt32BE(4)) return null;
    const n = buf.readInt32BE(28);
    if (buf.readInt32BE(24) !== fileSize || buf.length !== INDEX_HEADER + n * INDEX_ENTRY_BYTES) return null;
    return buf;
  }

  /**
   * Takes the segment summary from a persisted index when it is intact and matches the file; false means
   * the segment must be scanned. The active segment (`inMemory`) loads the entries too; a rolled one
   * reads them through the index cache when a lookup needs them.
   */
  loadIndex(fileSize: number, inMemory: boolean): boolean {
    const buf = this.#readIndexFile(fileSize);
    if (buf === null) return false;
    this.nextOffset = Number(buf.readBigInt64BE(8));
    this.maxTimestamp = Number(buf.readBigInt64BE(16));
    this.size = fileSize;
    if (!inMemory) {
      this.#indexInFile = true;
      return true;
    }
    const n = buf.readInt32BE(28);
    for (let i = 0; i < n; i++) {
      this.#indexOffsets.push(Number(buf.readBigInt64BE(INDEX_HEADER + i * INDEX_ENTRY_BYTES)));
      this.#indexPositions.push(Number(buf.readBigInt64BE(INDEX_HEADER + 8 + i * INDEX_ENTRY_BYTES)));
    }
    return true;
  }

  removeIndexFile(): void {
    if (this.#fs.exists(this.indexPath)) this.#fs.unlink(this.indexPath);
  }

  close(): void {
    this.#files.forget(this);
    this.#indexes.forget(this);
    this.release();
  }

  /** Closes and unlinks the files; the caller makes the removal durable with a directory sync. */
  deleteFiles(): void {
    this.close();
    this.#fs.unlink(this.logPath);
    this.removeIndexFile();
  }
}
