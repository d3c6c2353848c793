// Offset indexes of rolled segments, read from their index files on demand and kept in a
// least-recently-used cache of bounded size shared by every partition. Only the active segment of each
// partition keeps its index in memory for good, so what the broker holds in RAM does not grow with the
// data it stores.

/** Entries of one segment's index: 16 bytes each, a batch base offset and its file position (int64 BE). */
export type IndexEntries = Buffer;

export const INDEX_ENTRY_BYTES = 16;

export class IndexCache {
  readonly limitBytes: number;
  #bytes = 0;
  readonly #entries = new Map<object, IndexEntries>();

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Bytes of index entries held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get(owner: object): IndexEntries | undefined {
    const entries = this.#entries.get(owner);
    if (entries === undefined) return undefined;
    this.#entries.delete(owner);
    this.#entries.set(owner, entries);
    return entries;
  }

  /** Keeps `entries` for `owner`, evicting the least recently used beyond the budget (never the newest). */
  put(owner: object, entries: IndexEntries): void {
    this.forget(owner);
    this.#entries.set(owner, entries);
    this.#bytes += entries.length;
    for (const [candidate, held] of this.#entries) {
      if (this.#bytes <= this.limitBytes || candidate === owner) break;
      this.#entries.delete(candidate);
      this.#bytes -= held.length;
    }
  }

  forget(owner: object): void {
    const entries = this.#entries.get(owner);
    if (entries === undefined) return;
    this.#entries.delete(owner);
    this.#bytes -= entries.length;
  }
}

/** The int64 at `at` as a number (offsets and positions stay below 2^53). */
function readInt64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);
}

/** File position of the last entry whose offset is at most `offset` (0 when there is none). */
export function indexStart(entries: IndexEntries, offset: number): number {
  let lo = 0;
  let hi = entries.length / INDEX_ENTRY_BYTES - 1;
  let start = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = mid * INDEX_ENTRY_BYTES;
    if (readInt64(entries, at) <= offset) {
      start = readInt64(entries, at + 8);
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return start;
}
