// Snapshots of a partition's idempotent-producer state, one file per log offset it covers
// (`producer-<offset>.snapshot`), so that a restart scans only the log after the newest one. A snapshot is
// a cache of what the log says: one that covers more than the recovered log (written before a power cut
// took the log's tail) is never used, since it would acknowledge a retry of lost data as a duplicate; an
// unreadable one is skipped with a warning and the log is scanned instead.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type FileSystem, writeFileAtomic } from '../io/index.ts';
import { ProducerStateTable } from '../producers/index.ts';

const SNAPSHOT_FILE = /^producer-(\d{20})\.snapshot$/;
/** Written by earlier versions: one file, its offset inside. */
const LEGACY_FILE = 'producer-state.json';
const KEEP = 2;

export class ProducerSnapshots {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #logger: Logger;
  /** `load` removed snapshots of a lost history: the caller syncs the directory before appending. */
  removed = false;

  constructor(fs: FileSystem, dir: string, logger: Logger) {
    this.#fs = fs;
    this.#dir = dir;
    this.#logger = logger;
  }

  /** The newest readable snapshot that covers no more than `logEndOffset`; newer ones are removed. */
  load(logEndOffset: number): { offset: number; table: ProducerStateTable } | null {
    const files = this.#fs.readdir(this.#dir);
    const candidates = files
      .map((name) => ({ name, match: SNAPSHOT_FILE.exec(name) }))
      .filter((c) => c.match !== null)
      .map((c) => ({ name: c.name, offset: Number(c.match![1]) }))
      .sort((a, b) => b.offset - a.offset);
    if (files.includes(LEGACY_FILE)) candidates.push({ name: LEGACY_FILE, offset: -1 });
    for (const c of candidates) {
      if (c.offset > logEndOffset) {
        // It describes a history the log lost; once the log grows past its offset again it would lie.
        this.#fs.unlink(join(this.#dir, c.name));
        this.removed = true;
        continue;
      }
      const parsed = this.#read(c.name);
      if (!parsed || parsed.offset > logEndOffset) continue;
      return parsed;
    }
    return null;
  }

  #read(name: string): { offset: number; table: ProducerStateTable } | null {
    try {
      const parsed = JSON.parse(this.#fs.readFile(join(this.#dir, name)).toString('utf8')) as {
        offset?: unknown;
        producers?: unknown;
      };
      if (typeof parsed.offset !== 'number' || !Number.isSafeInteger(parsed.offset) || parsed.offset < 0)
        throw new Error('no valid offset');
      return { offset: parsed.offset, table: ProducerStateTable.fromJSON(parsed.producers) };
    } catch (err) {
      this.#logger.warn(
        { dir: this.#dir, file: name, problem: (err as Error).message },
        'skipping an unreadable producer snapshot; the log is scanned instead',
      );
      return null;
    }
  }

  /** Writes a snapshot in the background (at a segment roll); failures only cost a longer scan. */
  write(offset: number, table: ProducerStateTable): void {
    const data = serialize(offset, table);
    this.#persist(offset, data).catch((err: unknown) =>
      this.#logger.warn({ err, dir: this.#dir, offset }, 'cannot write a producer snapshot'),
    );
  }

  /** Writes a snapshot and waits for it (at a clean shutdown). */
  writeNow(offset: number, table: ProducerStateTable): Promise<void> {
    return this.#persist(offset, serialize(offset, table));
  }

  async #persist(offset: number, data: string): Promise<void> {
    await writeFileAtomic(
      this.#fs,
      join(this.#dir, `producer-${String(offset).padStart(20, '0')}.snapshot`),
      data,
    );
    const names = this.#fs.readdir(this.#dir);
    const snapshots = names
      .filter((n) => SNAPSHOT_FILE.test(n))
      .sort()
      .reverse();
    for (const old of snapshots.slice(KEEP)) this.#fs.unlink(join(this.#dir, old));
    if (names.includes(LEGACY_FILE)) this.#fs.unlink(join(this.#dir, LEGACY_FILE));
  }
}

function serialize(offset: number, table: ProducerStateTable): string {
  return JSON.stringify({ offset, producers: table.toJSON() });
}
