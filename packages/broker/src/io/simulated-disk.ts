// A simulated disk behind the file-system port, for deterministic tests of every durability claim.
//
// It keeps two images of each file: the page cache (what reads see) and the disk (what survives a power
// cut), with the writes and truncations between them; and two images of each directory's names. Data
// reaches the disk image only through `datasync`, names only through `syncDir`. At any step a test can:
// - `crash()`: the process dies; the page cache survives and open descriptors are gone;
// - `powerCut()`: the page cache is lost; each file keeps its disk image plus some of its unsynced writes
//   (a prefix in order, or an arbitrary subset, as write-back may reorder), the last of them possibly torn
//   at any byte, and each directory a prefix of its unsynced name changes;
// - inject faults: a failed sync (whose writes then never reach the disk, although reads still see them:
//   Linux's behaviour after a writeback error), a write that fails with ENOSPC or EIO after writing part of
//   its bytes, a short write.
// Every choice comes from the seeded random source, and syncs complete on `setImmediate`, so a schedule
// replays exactly from its seed.
import { type FileSystem, systemError } from './file-system.ts';

export interface DiskFaults {
  /** Probability that a datasync or syncDir fails with EIO. */
  syncFailure: number;
  /** Probability that a write fails with ENOSPC or EIO, after writing part of its bytes. */
  writeFailure: number;
  /** Probability that a write writes fewer bytes than asked (without an error). */
  shortWrite: number;
}

const NO_FAULTS: DiskFaults = { syncFailure: 0, writeFailure: 0, shortWrite: 0 };

type DataOp = { seq: number; position: number; bytes: Buffer } | { seq: number; truncate: number };

class Inode {
  data: Buffer = Buffer.alloc(0);
  disk: Buffer = Buffer.alloc(0);
  pending: DataOp[] = [];
}

type Entry = { kind: 'file'; inode: Inode } | { kind: 'dir'; dir: Dir };

interface NameOp {
  seq: number;
  apply(entries: Map<string, Entry>): void;
}

class Dir {
  entries = new Map<string, Entry>();
  disk = new Map<string, Entry>();
  pending: NameOp[] = [];
}

interface Lookup {
  parent: Dir;
  name: string;
  entry: Entry | undefined;
}

const ASYNC_METHODS = new Set(['datasync', 'syncDir']);
const METHODS = [
  'open',
  'close',
  'size',
  'read',
  'write',
  'truncate',
  'datasync',
  'exists',
  'readFile',
  'readdir',
  'mkdir',
  'rename',
  'unlink',
  'removeTree',
  'syncDir',
] as const satisfies readonly (keyof FileSystem)[];

function applyData(image: Buffer, op: DataOp, tornAt?: number): Buffer {
  if ('truncate' in op) {
    if (op.truncate <= image.length) return image.subarray(0, op.truncate);
    return Buffer.concat([image, Buffer.alloc(op.truncate - image.length)]);
  }
  const bytes = tornAt === undefined ? op.bytes : op.bytes.subarray(0, tornAt);
  const end = op.position + bytes.length;
  const out =
    end > image.length ? Buffer.concat([image, Buffer.alloc(end - image.length)]) : Buffer.from(image);
  bytes.copy(out, op.position);
  return out;
}

export class SimulatedDisk implements FileSystem {
  readonly #random: () => number;
  readonly #root = new Dir();
  readonly #fds = new Map<number, { inode: Inode; generation: number }>();
  #faults: DiskFaults = NO_FAULTS;
  #generation = 0;
  #nextFd = 3;
  #seq = 0;
  /** Counts of what happened, for a test's report. */
  readonly stats = { writes: 0, syncs: 0, failedSyncs: 0, failedWrites: 0, shortWrites: 0, powerCuts: 0 };

  constructor(random: () => number) {
    this.#random = random;
  }

  setFaults(faults: Partial<DiskFaults>): void {
    this.#faults = { ...NO_FAULTS, ...faults };
  }

  /** The process died: descriptors are gone, the page cache (and what it has not written yet) stays. */
  crash(): void {
    this.#generation++;
    this.#fds.clear();
  }

  /** Power is cut: only what was synced survives, plus what write-back happened to reach. */
  powerCut(): void {
    this.crash();
    this.stats.powerCuts++;
    const seenDirs = new Set<Dir>();
    const seenInodes = new Set<Inode>();
    const visit = (dir: Dir) => {
      if (seenDirs.has(dir)) return;
      seenDirs.add(dir);
      for (const e of [...dir.entries.values(), ...dir.disk.values()]) {
        if (e.kind === 'dir') visit(e.dir);
        else seenInodes.add(e.inode);
      }
    };
    visit(this.#root);
    for (const inode of seenInodes) this.#loseUnsynced(inode);
    for (const dir of seenDirs) {
      const keep = Math.floor(this.#random() * (dir.pending.length + 1));
      const entries = new Map(dir.disk);
      for (const op of dir.pending.slice(0, keep)) op.apply(entries);
      dir.entries = entries;
      dir.disk = new Map(entries);
      dir.pending = [];
    }
  }

  #loseUnsynced(inode: Inode): void {
    let image = inode.disk;
    const ops = inode.pending;
    if (ops.length > 0) {
      const subset = this.#random() < 0.3;
      const keep = subset
        ? ops.filter(() => this.#random() < 0.5)
        : ops.slice(0, Math.floor(this.#random() * (ops.length + 1)));
      keep.forEach((op, i) => {
        const last = i === keep.length - 1;
        const torn = last && !('truncate' in op) && this.#random() < 0.5;
        image = applyData(image, op, torn ? Math.floor(this.#random() * op.bytes.length) : undefined);
      });
    }
    inode.disk = Buffer.from(image);
    inode.data = Buffer.from(image);
    inode.pending = [];
  }

  /**
   * The disk as one process sees it: after a crash or power cut, every call of an older view fails with
   * EIO, so code of a dead process that is still scheduled can never touch the next process's files.
   */
  mount(): FileSystem {
    const generation = this.#generation;
    const view: Record<string, unknown> = {};
    for (const name of METHODS) {
      const method = this[name] as (...args: unknown[]) => unknown;
      view[name] = (...args: unknown[]) => {
        if (generation !== this.#generation) {
          const err = systemError('EIO', name);
          if (ASYNC_METHODS.has(name)) return Promise.reject(err);
          throw err;
        }
        return method.apply(this, args);
      };
    }
    return view as unknown as FileSystem;
  }

  #lookup(path: string): Lookup {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    if (parts.length === 0) return { parent: this.#root, name: '', entry: { kind: 'dir', dir: this.#root } };
    let dir = this.#root;
    for (const part of parts.slice(0, -1)) {
      const e = dir.entries.get(part);
      if (e?.kind !== 'dir') throw systemError('ENOENT', 'lookup', path);
      dir = e.dir;
    }
    const name = parts[parts.length - 1];
    return { parent: dir, name, entry: dir.entries.get(name) };
  }

  #nameOp(dir: Dir, apply: (entries: Map<string, Entry>) => void): void {
    apply(dir.entries);
    dir.pending.push({ seq: ++this.#seq, apply });
  }

  #file(fd: number): Inode {
    const f = this.#fds.get(fd);
    if (!f || f.generation !== this.#generation) throw systemError('EBADF', 'fd');
    return f.inode;
  }

  open(path: string, mode: 'read' | 'write' | 'create'): number {
    const { parent, name, entry } = this.#lookup(path);
    let inode: Inode;
    if (!entry) {
      if (mode !== 'create') throw systemError('ENOENT', 'open', path);
      inode = new Inode();
      const created: Entry = { kind: 'file', inode };
      this.#nameOp(parent, (entries) => entries.set(name, created));
    } else if (entry.kind === 'dir') {
      throw systemError('EISDIR', 'open', path);
    } else inode = entry.inode;
    const fd = this.#nextFd++;
    this.#fds.set(fd, { inode, generation: this.#generation });
    return fd;
  }

  close(fd: number): void {
    this.#file(fd);
    this.#fds.delete(fd);
  }

  size(fd: number): number {
    return this.#file(fd).data.length;
  }

  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    const inode = this.#file(fd);
    if (position >= inode.data.length) return 0;
    return inode.data.copy(buffer, offset, position, Math.min(inode.data.length, position + length));
  }

  write(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
    const inode = this.#file(fd);
    this.stats.writes++;
    let n = length;
    let error: NodeJS.ErrnoException | null = null;
    const roll = this.#random();
    if (length > 0 && roll < this.#faults.writeFailure) {
      n = Math.floor(this.#random() * length);
      error = systemError(this.#random() < 0.5 ? 'ENOSPC' : 'EIO', 'write');
      this.stats.failedWrites++;
    } else if (length > 1 && roll < this.#faults.writeFailure + this.#faults.shortWrite) {
      n = 1 + Math.floor(this.#random() * (length - 1));
      this.stats.shortWrites++;
    }
    if (n > 0) {
      const op: DataOp = {
        seq: ++this.#seq,
        position,
        bytes: Buffer.from(buffer.subarray(offset, offset + n)),
      };
      inode.data = applyData(inode.data, op);
      inode.pending.push(op);
    }
    if (error) throw error;
    return n;
  }

  truncate(fd: number, length: number): void {
    const inode = this.#file(fd);
    const op: DataOp = { seq: ++this.#seq, truncate: length };
    inode.data = applyData(inode.data, op);
    inode.pending.push(op);
  }

  datasync(fd: number): Promise<void> {
    let inode: Inode;
    try {
      inode = this.#file(fd);
    } catch (err) {
      return Promise.reject(err);
    }
    const generation = this.#generation;
    const upTo = this.#seq;
    const fails = this.#random() < this.#faults.syncFailure;
    this.stats.syncs++;
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (generation !== this.#generation) return reject(systemError('EIO', 'fdatasync'));
        const covered = inode.pending.filter((op) => op.seq <= upTo);
        inode.pending = inode.pending.filter((op) => op.seq > upTo);
        if (fails) {
          // The covered writes never reach the disk, though the page cache still shows them.
          this.stats.failedSyncs++;
          return reject(systemError('EIO', 'fdatasync'));
        }
        for (const op of covered) inode.disk = applyData(inode.disk, op);
        resolve();
      });
    });
  }

  exists(path: string): boolean {
    try {
      return this.#lookup(path).entry !== undefined;
    } catch {
      return false;
    }
  }

  readFile(path: string): Buffer {
    const { entry } = this.#lookup(path);
    if (!entry) throw systemError('ENOENT', 'open', path);
    if (entry.kind === 'dir') throw systemError('EISDIR', 'read', path);
    return Buffer.from(entry.inode.data);
  }

  readdir(path: string): string[] {
    const { entry } = this.#lookup(path);
    if (!entry) throw systemError('ENOENT', 'scandir', path);
    if (entry.kind !== 'dir') throw systemError('ENOTDIR', 'scandir', path);
    return [...entry.dir.entries.keys()].sort();
  }

  mkdir(path: string): void {
    const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
    let dir = this.#root;
    for (const part of parts) {
      const e = dir.entries.get(part);
      if (e?.kind === 'file') throw systemError('ENOTDIR', 'mkdir', path);
      if (e) {
        dir = e.dir;
        continue;
      }
      const created: Entry = { kind: 'dir', dir: new Dir() };
      this.#nameOp(dir, (entries) => entries.set(part, created));
      dir = created.dir;
    }
  }

  rename(from: string, to: string): void {
    const src = this.#lookup(from);
    if (!src.entry) throw systemError('ENOENT', 'rename', from);
    const dst = this.#lookup(to);
    const moved = src.entry;
    if (src.parent === dst.parent) {
      // One name change: atomic, as a journaled file system makes a rename within a directory.
      this.#nameOp(src.parent, (entries) => {
        entries.delete(src.name);
        entries.set(dst.name, moved);
      });
    } else {
      this.#nameOp(dst.parent, (entries) => entries.set(dst.name, moved));
      this.#nameOp(src.parent, (entries) => entries.delete(src.name));
    }
  }

  unlink(path: string): void {
    const { parent, name, entry } = this.#lookup(path);
    if (!entry) throw systemError('ENOENT', 'unlink', path);
    if (entry.kind === 'dir') throw systemError('EISDIR', 'unlink', path);
    this.#nameOp(parent, (entries) => entries.delete(name));
  }

  removeTree(path: string): void {
    let found: Lookup;
    try {
      found = this.#lookup(path);
    } catch {
      return;
    }
    if (!found.entry) return;
    const { parent, name } = found;
    this.#nameOp(parent, (entries) => entries.delete(name));
  }

  syncDir(path: string): Promise<void> {
    let dir: Dir;
    try {
      const { entry } = this.#lookup(path);
      if (entry?.kind !== 'dir') throw systemError('ENOENT', 'open', path);
      dir = entry.dir;
    } catch (err) {
      return Promise.reject(err);
    }
    const generation = this.#generation;
    const upTo = this.#seq;
    const fails = this.#random() < this.#faults.syncFailure;
    this.stats.syncs++;
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (generation !== this.#generation) return reject(systemError('EIO', 'fsync'));
        if (fails) {
          this.stats.failedSyncs++;
          return reject(systemError('EIO', 'fsync'));
        }
        const covered = dir.pending.filter((op) => op.seq <= upTo);
        dir.pending = dir.pending.filter((op) => op.seq > upTo);
        for (const op of covered) op.apply(dir.disk);
        resolve();
      });
    });
  }
}

/** A small seeded random source (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
