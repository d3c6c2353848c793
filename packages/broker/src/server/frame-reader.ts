// Kafka framing (an int32 size, then the request) over a byte stream, holding as little memory as it can.
// Small frames are cut from the socket's chunks. A large frame gets one buffer of its declared size as soon
// as its header is known, and each chunk is copied in and dropped at once: the socket's small read buffers
// are reused instead of piling up, and nothing is concatenated twice. That buffer is a resizable
// ArrayBuffer (its own mapping, whose pages become resident only when written, so the bytes received, not
// the size declared, are what a partial frame costs), and `release` shrinks it to nothing, which gives its
// pages back to the operating system at once instead of whenever the garbage collector runs: a client that
// parks a huge partial frame and is then closed does not leave the broker's RSS high.
import { BadRequestError } from './client-error.ts';

/** Frames at least this large are assembled in a buffer of their own. */
const LARGE_FRAME_BYTES = 256 * 1024;
/** Frames at least this large copied together from several chunks get a buffer that can be reused. */
const REUSED_ASSEMBLY_BYTES = 16 * 1024;
/** Such buffers are rounded up to this, so that the next frame, a little larger, still fits. */
const ASSEMBLY_ROUNDING = 32 * 1024;

export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #onHeldChange: (delta: number) => void;
  #chunks: Buffer[] = [];
  #chunkBytes = 0;
  /** The large frame being filled (without its size prefix). */
  #large: Buffer | undefined;
  #largeFilled = 0;
  #released = false;
  /** The buffer the last frame spanning several chunks was copied into, while that frame is in use. */
  #assembled: Buffer | undefined;
  /** That buffer once its frame was given back: the next such frame is copied into it. */
  #spare: Buffer | undefined;

  /** `onHeldChange` learns every change of the bytes held, for a budget shared by all connections. */
  constructor(maxFrameBytes: number, onHeldChange: (delta: number) => void) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#onHeldChange = onHeldChange;
  }

  /** Bytes received and not yet handed out as frames. */
  get held(): number {
    return this.#chunkBytes + (this.#large ? 4 + this.#largeFilled : 0);
  }

  push(chunk: Buffer): void {
    if (this.#released) return;
    this.#chunks.push(chunk);
    this.#chunkBytes += chunk.length;
    this.#onHeldChange(chunk.length);
    if (this.#large) this.#fillLarge();
  }

  /**
   * The next complete frame (without its size prefix), or undefined until more bytes arrive. Throws a
   * BadRequestError for a size below the smallest request header or above the maximum frame size.
   */
  next(): Buffer | undefined {
    if (this.#released) return undefined;
    if (this.#large) {
      if (this.#largeFilled < this.#large.length) return undefined;
      const frame = this.#large;
      this.#large = undefined;
      this.#largeFilled = 0;
      this.#onHeldChange(-(4 + frame.length));
      return frame;
    }
    if (this.#chunkBytes < 4) return undefined;
    const size = this.#peekSize();
    if (size < 8) throw new FrameSizeError('frame too small', size, this.#maxFrameBytes);
    if (size > this.#maxFrameBytes)
      throw new FrameSizeError('frame over the maximum size', size, this.#maxFrameBytes);
    if (this.#chunkBytes >= 4 + size) {
      const frame = this.#take(4 + size).subarray(4);
      this.#onHeldChange(-(4 + size));
      return frame;
    }
    if (size >= LARGE_FRAME_BYTES) {
      this.#take(4); // still counted as held until the frame is handed out
      const backing = new ArrayBuffer(size, { maxByteLength: size });
      this.#large = Buffer.from(backing, 0, size);
      this.#fillLarge();
    }
    return undefined;
  }

  /**
   * Says that nothing references `frame` any more (a Produce whose records are written), so its memory
   * may take the next frame. Without this every request that spans socket chunks leaves a buffer of its
   * size for the garbage collector, and those pile up in the C heap faster than collections run.
   */
  recycle(frame: Buffer): void {
    if (this.#assembled && frame.buffer === this.#assembled.buffer) {
      this.#spare = this.#assembled;
      this.#assembled = undefined;
    }
  }

  /** Drops every byte held; later pushes are ignored. */
  release(): void {
    if (this.#released) return;
    const held = this.held;
    this.#released = true;
    this.#chunks = [];
    this.#chunkBytes = 0;
    (this.#large?.buffer as ArrayBuffer | undefined)?.resize(0);
    this.#large = undefined;
    this.#largeFilled = 0;
    this.#assembled = undefined;
    this.#spare = undefined;
    if (held > 0) this.#onHeldChange(-held);
  }

  #fillLarge(): void {
    const large = this.#large!;
    while (this.#chunks.length > 0 && this.#largeFilled < large.length) {
      const chunk = this.#chunks[0];
      const n = Math.min(chunk.length, large.length - this.#largeFilled);
      // TypedArray#set: Buffer#copy into a buffer this large is two orders of magnitude slower here.
      large.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.#largeFilled);
      this.#largeFilled += n;
      this.#chunkBytes -= n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
  }

  #peekSize(): number {
    const first = this.#chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const c of this.#chunks) {
      filled += c.copy(head, filled, 0, Math.min(c.length, 4 - filled));
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  /** A buffer for a frame of `n` bytes copied from several chunks: the spare one when it is large enough. */
  #assemblyBuffer(n: number): Buffer {
    if (n < REUSED_ASSEMBLY_BYTES) return Buffer.allocUnsafe(n);
    let buffer = this.#spare;
    this.#spare = undefined;
    if (!buffer || buffer.length < n) {
      const size = Math.ceil(n / ASSEMBLY_ROUNDING) * ASSEMBLY_ROUNDING;
      buffer = Buffer.allocUnsafeSlow(size);
    }
    this.#assembled = buffer;
    return buffer.subarray(0, n);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = this.#assemblyBuffer(n);
      let filled = 0;
      while (filled < n) {
        const c = this.#chunks[0];
        const k = Math.min(c.length, n - filled);
        out.set(k === c.length ? c : c.subarray(0, k), filled);
        filled += k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
    }
    this.#chunkBytes -= n;
    return out;
  }
}

export class FrameSizeError extends BadRequestError {
  readonly size: number;
  readonly maxFrameBytes: number;
  constructor(message: string, size: number, maxFrameBytes: number) {
    super('INVALID_FRAME_SIZE', message);
    this.name = 'FrameSizeError';
    this.size = size;
    this.maxFrameBytes = maxFrameBytes;
  }
}
