// Committed offsets, durable: an append-only journal (format in offset-journal.ts) replayed into memory on
// open. A commit is answered only after its record is written and fdatasync'ed; commits arriving in the
// same event-loop turn share one write and one fdatasync. A torn tail (crash mid-write) is cut on open.
// The journal is rewritten with only the latest values (temp file, fsync, rename) when it has grown to
// `compactRatio` times its live size, on open and while running.
//
// Differs from Kafka, which keeps offsets in the __consumer_offsets topic together with group membership:
// membership is not persisted here (after a restart members rejoin, as they must anyway when their
// coordinator moves), and offsets do not expire (offsets.retention.minutes is not implemented).

import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import {
  type FileSystem,
  mkdirDurable,
  nodeFileSystem,
  writeAll,
  writeFileAtomic,
  writeTempFile,
} from '../io/index.ts';
import {
  type CommittedOffset,
  encodeRecord,
  JOURNAL_MAGIC,
  type JournalPartition,
  type JournalRecord,
  OffsetJournalCorruptError,
  scanJournal,
} from './offset-journal.ts';

export interface OffsetStoreOptions {
  dir: string;
  logger: Logger;
  /** The file system (default node:fs; tests pass a simulated disk). */
  fs?: FileSystem;
  /** Never compact a journal smaller than this (default 4 MiB). */
  compactMinBytes?: number;
  /** Compact once the journal is this many times its live size (default 4). */
  compactRatio?: number;
}

export interface OffsetCommitEntry extends CommittedOffset {
  topic: string;
  partition: number;
}

/** The journal could not be written or synced; commits fail until the broker restarts. */
export class OffsetStoreError extends Error {
  readonly code = 'OFFSET_STORE_UNAVAILABLE';
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OffsetStoreError';
  }
}

interface PendingWrite {
  bytes: Buffer;
  record: JournalRecord;
  resolve: () => void;
  reject: (err: Error) => void;
}

type GroupOffsets = Map<string, Map<number, CommittedOffset>>;

export const JOURNAL_FILE = 'offsets.log';

export class OffsetStore {
  readonly path: string;
  readonly #logger: Logger;
  readonly #compactMinBytes: number;
  readonly #compactRatio: number;
  readonly #fs: FileSystem;
  readonly #groups = new Map<string, GroupOffsets>();
  #fd: number;
  #size: number;
  #compactedSize = 0;
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #flushing: Promise<void> | null = null;
  #failure: OffsetStoreError | null = null;
  #closed = false;
  #syncs = 0;

  private constructor(dir: string, options: OffsetStoreOptions, fd: number, size: number) {
    this.#fs = options.fs ?? nodeFileSystem;
    this.path = join(dir, JOURNAL_FILE);
    this.#logger = options.logger;
    this.#compactMinBytes = options.compactMinBytes ?? 4 * 1024 * 1024;
    this.#compactRatio = options.compactRatio ?? 4;
    this.#fd = fd;
    this.#size = size;
  }

  static async open(options: OffsetStoreOptions): Promise<OffsetStore> {
    const dir = options.dir;
    const fs = options.fs ?? nodeFileSystem;
    await mkdirDurable(fs, dir);
    const path = join(dir, JOURNAL_FILE);
    let file: Buffer | null = fs.exists(path) ? fs.readFile(path) : null;
    // A file shorter than the magic is a creation that never finished: start over.
    if (
      file === null ||
      (file.length < JOURNAL_MAGIC.length && JOURNAL_MAGIC.subarray(0, file.length).equals(file))
    ) {
      await writeFileAtomic(fs, path, JOURNAL_MAGIC);
      file = JOURNAL_MAGIC;
    }
    let scan: ReturnType<typeof scanJournal>;
    try {
      scan = scanJournal(file);
    } catch (err) {
      if (err instanceof OffsetJournalCorruptError)
        throw new OffsetJournalCorruptError(`${path}: ${err.message}`);
      throw err;
    }
    const fd = fs.open(path, 'write');
    const store = new OffsetStore(dir, options, fd, scan.validBytes);
    for (const record of scan.records) store.#apply(record);
    if (scan.validBytes < file.length) {
      options.logger.warn(
        { path, droppedBytes: file.length - scan.validBytes },
        'offsets journal had an incomplete tail (interrupted write); cutting it',
      );
      fs.truncate(fd, scan.validBytes);
    }
    // What a killed process left in the page cache is made durable before it is served: the journal's
    // bytes, and its name (a process that died between a compaction's rename and its directory sync left
    // a journal that a power cut would swap back for the one before, taking later commits with it).
    await fs.datasync(fd);
    await fs.syncDir(dir);
    const live = store.#snapshot();
    store.#compactedSize = JOURNAL_MAGIC.length + live.reduce((n, b) => n + b.length, 0);
    if (store.#shouldCompact()) await store.#compact(live);
    options.logger.info(
      { path, groups: store.#groups.size, journalBytes: store.#size, records: scan.records.length },
      'committed offsets loaded',
    );
    return store;
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#groups.get(groupId)?.get(topic)?.get(partition);
  }

  /** The group's committed offsets by topic and partition, in commit order. */
  groupOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.#groups.get(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.#groups.keys();
  }

  /** Bytes in the journal file. */
  get journalBytes(): number {
    return this.#size;
  }

  /** fdatasync calls for commits so far (commits in the same event-loop turn share one). */
  get syncCount(): number {
    return this.#syncs;
  }

  /** Resolves once the offsets are on disk (fdatasync) and visible to `get`. */
  commit(groupId: string, entries: OffsetCommitEntry[]): Promise<void> {
    const topics = new Map<string, JournalPartition[]>();
    for (const e of entries) {
      let partitions = topics.get(e.topic);
      if (!partitions) {
        partitions = [];
        topics.set(e.topic, partitions);
      }
      partitions.push({
        partition: e.partition,
        offset: e.offset,
        leaderEpoch: e.leaderEpoch,
        metadata: e.metadata,
        commitTimestamp: e.commitTimestamp,
      });
    }
    return this.#append({
      type: 'offsets',
      groupId,
      topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
    });
  }

  /** Forgets every group's offsets for a deleted topic (durably, like a commit). */
  deleteTopic(topic: string): Promise<void> {
    return this.#append({ type: 'topic-deleted', topic });
  }

  /** Forgets all of a group's offsets (DeleteGroups), durably. */
  deleteGroup(groupId: string): Promise<void> {
    return this.#append({ type: 'group-deleted', groupId });
  }

  /** Forgets some of a group's offsets (OffsetDelete, KIP-496), durably. */
  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<void> {
    return this.#append({ type: 'offsets-deleted', groupId, topics });
  }

  /** Waits for pending commits, then closes the journal. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#flushing || this.#pending.length > 0) await (this.#flushing ?? this.#flush());
    this.#fs.close(this.#fd);
  }

  #append(record: JournalRecord): Promise<void> {
    if (this.#closed) return Promise.reject(new OffsetStoreError('offset store is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ bytes: encodeRecord(record), record, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          if (!this.#flushing) void this.#flush();
        });
      }
    });
  }

  /** Writes and syncs everything pending, batch after batch, until nothing is left. */
  #flush(): Promise<void> {
    const run = async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        if (this.#failure) {
          for (const w of batch) w.reject(this.#failure);
          continue;
        }
        const bytes = batch.length === 1 ? batch[0].bytes : Buffer.concat(batch.map((w) => w.bytes));
        try {
          await this.#writeAndSync(bytes);
        } catch (err) {
          for (const w of batch) w.reject(err as Error);
          continue;
        }
        for (const w of batch) {
          this.#apply(w.record);
          w.resolve();
        }
        if (this.#shouldCompact()) {
          try {
            await this.#compact(this.#snapshot());
          } catch (err) {
            // The old journal is intact: keep appending to it and try again after the next flush.
            this.#logger.error({ err, path: this.path }, 'offsets journal compaction failed');
            this.#compactedSize = this.#size;
          }
        }
      }
    };
    this.#flushing = run().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #writeAndSync(bytes: Buffer): Promise<void> {
    try {
      writeAll(this.#fs, this.#fd, bytes, this.#size);
    } catch (err) {
      // Cut what was partly written, so that later records do not follow a broken one.
      try {
        this.#fs.truncate(this.#fd, this.#size);
      } catch (truncateErr) {
        this.#fail('cannot cut a failed write from the offsets journal', truncateErr);
      }
      this.#logger.error({ err, path: this.path }, 'offsets journal write failed');
      throw new OffsetStoreError('offsets journal write failed', { cause: err });
    }
    try {
      this.#syncs++;
      await this.#fs.datasync(this.#fd);
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the last
      // good sync can be trusted, so stop accepting commits rather than acknowledge them, and cut the
      // unsynced records from the file so that the page cache cannot serve them to the next process.
      try {
        this.#fs.truncate(this.#fd, this.#size);
      } catch {
        // The store is failed either way; the next start cuts a torn tail.
      }
      throw this.#fail('offsets journal fdatasync failed', err);
    }
    this.#size += bytes.length;
  }

  #fail(message: string, cause: unknown): OffsetStoreError {
    this.#failure ??= new OffsetStoreError(`${message}; commits are refused until restart`, { cause });
    this.#logger.error({ err: cause, path: this.path }, message);
    return this.#failure;
  }

  #apply(record: JournalRecord): void {
    if (record.type === 'group-deleted') {
      this.#groups.delete(record.groupId);
      return;
    }
    if (record.type === 'offsets-deleted') {
      const topics = this.#groups.get(record.groupId);
      if (!topics) return;
      for (const t of record.topics) {
        const partitions = topics.get(t.name);
        if (!partitions) continue;
        for (const p of t.partitions) partitions.delete(p);
        if (partitions.size === 0) topics.delete(t.name);
      }
      if (topics.size === 0) this.#groups.delete(record.groupId);
      return;
    }
    if (record.type === 'topic-deleted') {
      for (const [groupId, topics] of this.#groups) {
        topics.delete(record.topic);
        if (topics.size === 0) this.#groups.delete(groupId);
      }
      return;
    }
    let topics = this.#groups.get(record.groupId);
    if (!topics) {
      topics = new Map();
      this.#groups.set(record.groupId, topics);
    }
    for (const t of record.topics) {
      let partitions = topics.get(t.name);
      if (!partitions) {
        partitions = new Map();
        topics.set(t.name, partitions);
      }
      for (const p of t.partitions) {
        partitions.set(p.partition, {
          offset: p.offset,
          leaderEpoch: p.leaderEpoch,
          metadata: p.metadata,
          commitTimestamp: p.commitTimestamp,
        });
      }
    }
  }

  /** One record per group with its latest offsets. */
  #snapshot(): Buffer[] {
    const records: Buffer[] = [];
    for (const [groupId, topics] of this.#groups) {
      records.push(
        encodeRecord({
          type: 'offsets',
          groupId,
          topics: [...topics].map(([name, partitions]) => ({
            name,
            partitions: [...partitions].map(([partition, c]) => ({ partition, ...c })),
          })),
        }),
      );
    }
    return records;
  }

  #shouldCompact(): boolean {
    return this.#size > this.#compactMinBytes && this.#size > this.#compactRatio * this.#compactedSize;
  }

  /**
   * Replaces the journal with `live`. A failure before the rename leaves the old journal in use. After the
   * rename the new file is the journal; if its name cannot be synced, a power cut may bring back the old
   * one, and commits appended to the new one would be lost with it: the store refuses commits until a
   * restart (whose open syncs the directory) instead.
   */
  async #compact(live: Buffer[]): Promise<void> {
    const before = this.#size;
    const bytes = Buffer.concat([JOURNAL_MAGIC, ...live]);
    const tmp = await writeTempFile(this.#fs, this.path, bytes);
    const fd = this.#fs.open(tmp, 'write');
    try {
      this.#fs.rename(tmp, this.path);
    } catch (err) {
      this.#fs.close(fd);
      throw err;
    }
    try {
      this.#fs.close(this.#fd);
    } catch {
      // The old descriptor is gone either way.
    }
    this.#fd = fd;
    this.#size = bytes.length;
    this.#compactedSize = bytes.length;
    try {
      await this.#fs.syncDir(dirname(this.path));
    } catch (err) {
      throw this.#fail('cannot sync the directory of the compacted offsets journal', err);
    }
    this.#logger.info({ path: this.path, before, after: bytes.length }, 'offsets journal compacted');
  }
}
