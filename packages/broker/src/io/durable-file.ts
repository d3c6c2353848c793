// Durable writes of whole files and of the bytes of a log: the one place that knows the order of the
// steps (write, fdatasync, rename, directory fsync) that makes a write survive a power cut.
import { dirname } from 'node:path';
import type { FileSystem } from './file-system.ts';
import { systemError } from './file-system.ts';

/** A metadata file the broker cannot read: it names the file and what is wrong, and the start stops. */
export class CorruptFileError extends Error {
  readonly code = 'CORRUPT_FILE';
  readonly path: string;
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.name = 'CorruptFileError';
    this.path = path;
  }
}

/** Writes all of `data` at `position`, going on after short writes; a write of nothing is an error. */
export function writeAll(fs: FileSystem, fd: number, data: Buffer, position: number): void {
  let written = 0;
  while (written < data.length) {
    const n = fs.write(fd, data, written, data.length - written, position + written);
    if (n <= 0) throw systemError('EIO', 'write');
    written += n;
  }
}

/**
 * The first steps of a durable replacement of `path`: `data` in `<path>.tmp`, fdatasync'ed. Returns the
 * temp file's name; the caller renames it over `path` and syncs the directory.
 */
export async function writeTempFile(fs: FileSystem, path: string, data: Buffer | string): Promise<string> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = `${path}.tmp`;
  const fd = fs.open(tmp, 'create');
  try {
    fs.truncate(fd, 0);
    writeAll(fs, fd, bytes, 0);
    await fs.datasync(fd);
  } finally {
    fs.close(fd);
  }
  return tmp;
}

/**
 * Replaces `path` with `data` so that after a power cut the file holds either the old or the new
 * contents, never a mix or nothing: temp file, fdatasync, rename, directory fsync.
 */
export async function writeFileAtomic(fs: FileSystem, path: string, data: Buffer | string): Promise<void> {
  fs.rename(await writeTempFile(fs, path, data), path);
  await fs.syncDir(dirname(path));
}

/**
 * Creates a directory (and missing parents) and makes each name durable in its parent. An existing
 * directory's name is synced too: a process that died between its mkdir and the sync leaves a directory
 * that the page cache shows but a power cut would take away.
 */
export async function mkdirDurable(fs: FileSystem, path: string): Promise<void> {
  const created: string[] = [];
  for (let dir = path; !fs.exists(dir); dir = dirname(dir)) {
    created.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  fs.mkdir(path);
  for (const dir of created) await fs.syncDir(dirname(dir));
  if (created.length === 0) await fs.syncDir(dirname(path));
}

/**
 * Makes an existing file's contents and name durable. Called on what a start reads: a file the previous
 * process wrote but could not sync (it failed, or died first) is still in the page cache, and trusting it
 * without a sync would serve what a power cut can take back.
 */
export async function makeDurable(fs: FileSystem, path: string): Promise<void> {
  if (!fs.exists(path)) return;
  const fd = fs.open(path, 'read');
  try {
    await fs.datasync(fd);
  } finally {
    fs.close(fd);
  }
  await fs.syncDir(dirname(path));
}

/**
 * Reads a JSON metadata file: undefined when it does not exist, the checked value otherwise. An empty,
 * unparsable or ill-shaped file throws CorruptFileError (never silently ignored). `check` returns the
 * value or a description of what is wrong.
 */
export function readJsonFile<T>(
  fs: FileSystem,
  path: string,
  check: (value: unknown) => T | { problem: string },
): T | undefined {
  if (!fs.exists(path)) return undefined;
  const bytes = fs.readFile(path);
  if (bytes.length === 0) throw new CorruptFileError(path, 'the file is empty');
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new CorruptFileError(path, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const checked = check(value);
  if (checked && typeof checked === 'object' && 'problem' in checked && Object.keys(checked).length === 1)
    throw new CorruptFileError(path, (checked as { problem: string }).problem);
  return checked as T;
}
