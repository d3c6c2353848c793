// The file-system port: every byte the broker keeps (logs, indexes, offsets, metadata) goes through it, so
// a simulated disk can stand in for node:fs in tests and cut power, tear writes or fail a sync at any step.
//
// Data calls are synchronous (they reach the page cache, not the disk); the two calls that make data
// durable are asynchronous, because they are what a caller waits on. What survives a power cut is exactly
// what `datasync` (file contents) and `syncDir` (names in a directory) have covered.

export interface FileSystem {
  /** Opens a file for reading and positional writing; `create` makes it when missing (never truncates). */
  open(path: string, mode: 'read' | 'write' | 'create'): number;
  close(fd: number): void;
  /** Current size of an open file. */
  size(fd: number): number;
  /** Reads up to `length` bytes at `position`; fewer at the end of the file. */
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  /** Writes at `position`; may write fewer bytes than asked (a short write), or throw (ENOSPC, EIO). */
  write(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  truncate(fd: number, length: number): void;
  /** Makes the file's data durable (fdatasync). Rejects when the disk could not keep it. */
  datasync(fd: number): Promise<void>;
  exists(path: string): boolean;
  /** The whole file; throws ENOENT when it does not exist. */
  readFile(path: string): Buffer;
  /** Names in a directory; throws ENOENT when it does not exist. */
  readdir(path: string): string[];
  /** Creates a directory and its parents (like `mkdir -p`). */
  mkdir(path: string): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a directory and everything in it. */
  removeTree(path: string): void;
  /** Makes the names in a directory (creations, renames, removals) durable. */
  syncDir(path: string): Promise<void>;
}

/** The `code` of a Node.js system error (ENOENT, ENOSPC, EIO...), or undefined. */
export function errorCode(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** A system error shaped like the ones node:fs throws, for the simulated disk. */
export function systemError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall}${path ? ` '${path}'` : ''}`);
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}
