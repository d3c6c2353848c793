// A budget of open segment files. Every segment file is opened on first use and kept in a
// least-recently-used list; beyond the budget the least recently used files are closed, and reopened when
// read again. A file with unsynced bytes is never closed (closing it would lose the error a later sync
// must report), so the budget can be exceeded until the next flush makes those files clean.

export interface PooledFile {
  /** True when the file can be closed now (no unsynced bytes, name durable). */
  readonly closable: boolean;
  /** Closes the descriptor; the file reopens on its next use. */
  release(): void;
}

export class OpenFiles {
  readonly limit: number;
  readonly #open = new Map<PooledFile, true>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Marks `file` as just used (and open), closing the least recently used ones beyond the budget. */
  use(file: PooledFile): void {
    this.#open.delete(file);
    this.#open.set(file, true);
    if (this.#open.size <= this.limit) return;
    for (const candidate of this.#open.keys()) {
      if (this.#open.size <= this.limit) break;
      if (candidate === file || !candidate.closable) continue;
      this.#open.delete(candidate);
      candidate.release();
    }
  }

  /** The file was closed by its owner. */
  forget(file: PooledFile): void {
    this.#open.delete(file);
  }
}
