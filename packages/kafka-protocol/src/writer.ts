// Writes Kafka primitives into a growing buffer.
import { ProtocolError } from './protocol-error.ts';

/** Byte fields at least this large are referenced, not copied, when the output is taken as chunks. */
const BY_REFERENCE = 64 * 1024;

export class Writer {
  buf: Buffer;
  pos = 0;
  /** Finished output before `buf[start..pos)`: earlier regions of `buf`s and large fields as given. */
  readonly #chunks: Buffer[] = [];
  #chunked = 0;
  #start = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#chunked + this.pos - this.#start;
  }

  #ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): void {
    this.#ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
  }
  int16(v: number): void {
    this.#ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }
  int32(v: number): void {
    this.#ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }
  int64(v: bigint): void {
    this.#ensure(8);
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }
  uint16(v: number): void {
    this.#ensure(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  uint32(v: number): void {
    this.#ensure(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }
  float64(v: number): void {
    this.#ensure(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }
  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  uvarint(v: number): void {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v))
      throw new ProtocolError('INVALID_VALUE', `bad unsigned varint ${v}`);
    this.#ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: bigint): void {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.#ensure(10);
    while (z >= 0x80n) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  #length(n: number, compact: boolean, short: boolean): void {
    if (compact) this.uvarint(n + 1);
    else if (short) this.int16(n);
    else this.int32(n);
  }

  string(v: string | null, compact: boolean): void {
    if (v === null) {
      this.#length(-1, compact, true);
      return;
    }
    const n = Buffer.byteLength(v);
    if (!compact && n > 0x7fff) throw new ProtocolError('INVALID_VALUE', 'string longer than 32767 bytes');
    this.#length(n, compact, true);
    this.#ensure(n);
    this.pos += this.buf.write(v, this.pos, 'utf8');
  }

  bytes(v: Uint8Array | null, compact: boolean): void {
    if (v === null) {
      this.#length(-1, compact, false);
      return;
    }
    this.#length(v.length, compact, false);
    this.raw(v);
  }

  arrayLength(n: number | null, compact: boolean): void {
    this.#length(n === null ? -1 : n, compact, false);
  }

  uuid(v: string): void {
    const hex = v.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new ProtocolError('INVALID_VALUE', `bad uuid ${v}`);
    this.#ensure(16);
    this.pos += this.buf.write(hex, this.pos, 'hex');
  }

  raw(v: Uint8Array): void {
    if (v.length >= BY_REFERENCE) {
      // Record data (a fetch's batches) goes out as it is: no copy into the response buffer.
      this.#cut();
      this.#chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      this.#chunked += v.length;
      return;
    }
    this.#ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  #cut(): void {
    if (this.pos > this.#start) {
      this.#chunks.push(this.buf.subarray(this.#start, this.pos));
      this.#chunked += this.pos - this.#start;
    }
    this.#start = this.pos;
  }

  /** The output as pieces to be written in order (large byte fields are the caller's buffers, uncopied). */
  toChunks(): Buffer[] {
    this.#cut();
    return this.#chunks.slice();
  }

  /** The output as one buffer. */
  toBuffer(): Buffer {
    if (this.#chunks.length === 0) return this.buf.subarray(this.#start, this.pos);
    return Buffer.concat(this.toChunks());
  }
}
