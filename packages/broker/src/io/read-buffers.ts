// Reusable buffers for large reads (a fetch's record data). A fetch would otherwise allocate a fresh
// multi-megabyte buffer per response, and the page faults and garbage collections that follow cost more
// than the read itself. A leased buffer goes back to the pool once the response holding it is written;
// one that is never given back (a connection closed first) is simply garbage-collected.
//
// Each slab is a resizable ArrayBuffer: V8 maps it on its own, outside the C heap, and it grows only to the
// largest read it served, so a slab costs the bytes it was used for rather than its maximum. Freed
// multi-megabyte C-heap blocks would also raise glibc's mmap threshold to their size, after which every
// smaller buffer (request frames, socket reads) lands in a heap that rarely shrinks. Slabs beyond the ones
// kept, and the kept ones once fetching has stopped for a while, are shrunk to nothing, which hands their
// pages back to the operating system at once.

const leases = new WeakMap<Buffer, () => void>();

/** Kept slabs are emptied after this long without a large read. */
const IDLE_TRIM_MS = 5_000;

/** Gives back the buffers of a written response that came from a pool (others are ignored). */
export function returnLeases(pieces: readonly Buffer[]): void {
  for (const piece of pieces) {
    const release = leases.get(piece);
    if (!release) continue;
    leases.delete(piece);
    release();
  }
}

export class ReadBuffers {
  readonly slabBytes: number;
  readonly #keep: number;
  readonly #keepBytes: number;
  readonly #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  #lastAcquire = 0;
  #trimTimer: NodeJS.Timeout | undefined;

  /**
   * Slabs of up to `slabBytes`; at most `keep` idle ones are kept (one per partition of a fetch), holding
   * at most `keepBytes` together.
   */
  constructor(slabBytes: number, keep: number, keepBytes = 2 * slabBytes) {
    this.slabBytes = slabBytes;
    this.#keep = keep;
    this.#keepBytes = keepBytes;
  }

  /** Bytes held by idle slabs. */
  get idleBytes(): number {
    return this.#freeBytes;
  }

  /**
   * A buffer of exactly `length` bytes. Reads the pool serves (at least `minLength`, at most a slab) are
   * leased: `returnLeases` puts them back once written.
   */
  acquire(length: number, minLength: number): Buffer {
    if (length < minLength || length > this.slabBytes) return Buffer.allocUnsafe(length);
    this.#lastAcquire = performance.now();
    const slab = this.#free.pop() ?? new ArrayBuffer(0, { maxByteLength: this.slabBytes });
    this.#freeBytes -= slab.byteLength;
    if (slab.byteLength < length) slab.resize(length);
    const view = Buffer.from(slab, 0, length);
    leases.set(view, () => this.#giveBack(slab));
    return view;
  }

  #giveBack(slab: ArrayBuffer): void {
    if (this.#free.length >= this.#keep || this.#freeBytes + slab.byteLength > this.#keepBytes) {
      slab.resize(0);
      return;
    }
    this.#free.push(slab);
    this.#freeBytes += slab.byteLength;
    this.#scheduleTrim();
  }

  #scheduleTrim(): void {
    if (this.#trimTimer) return;
    this.#trimTimer = setTimeout(() => {
      this.#trimTimer = undefined;
      if (performance.now() - this.#lastAcquire < IDLE_TRIM_MS) {
        this.#scheduleTrim();
        return;
      }
      for (const slab of this.#free) slab.resize(0);
      this.#freeBytes = 0;
    }, IDLE_TRIM_MS);
    this.#trimTimer.unref();
  }
}
