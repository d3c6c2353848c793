// Reusable buffers for large reads (a fetch's record data). A fetch would otherwise allocate a fresh
// multi-megabyte buffer per response, and the page faults and garbage collections that follow cost more
// than the read itself. A leased buffer goes back to the pool once the response holding it is written;
// one that is never given back (a connection closed first) is simply garbage-collected.

const leases = new WeakMap<Buffer, () => void>();

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
  readonly #free: Buffer[] = [];

  /** Slabs of `slabBytes`; at most `keep` idle ones are kept. */
  constructor(slabBytes: number, keep: number) {
    this.slabBytes = slabBytes;
    this.#keep = keep;
  }

  /**
   * A buffer of exactly `length` bytes. Reads the pool serves (at least `minLength`, at most a slab) are
   * leased: `returnLeases` puts them back once written.
   */
  acquire(length: number, minLength: number): Buffer {
    if (length < minLength || length > this.slabBytes) return Buffer.allocUnsafe(length);
    const slab = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.slabBytes);
    const view = slab.subarray(0, length);
    leases.set(view, () => {
      if (this.#free.length < this.#keep) this.#free.push(slab);
    });
    return view;
  }
}
