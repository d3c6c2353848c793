// Reads Kafka primitives from a buffer, refusing to read past the end or to trust absurd lengths.
import { ProtocolError } from './protocol-error.ts';

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number): number {
    if (n > this.end - this.pos) {
      throw new ProtocolError('TRUNCATED', `need ${n} bytes at ${this.pos}, ${this.end - this.pos} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.#need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.#need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.#need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.#need(8));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.#need(2));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.#need(4));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.#need(8));
  }
  bool(): boolean {
    return this.buf[this.#need(1)] !== 0;
  }

  /** Unsigned base-128 varint (at most 5 bytes, 32 bits). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.#need(1)];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('INVALID_VARINT', 'unsigned varint over 32 bits');
        return result;
      }
      shift += 7;
    }
    throw new ProtocolError('INVALID_VARINT', 'unsigned varint longer than 5 bytes');
  }

  /** Zigzag varint (32-bit). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag varlong (64-bit, at most 10 bytes). */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.#need(1)];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new ProtocolError('INVALID_VARINT', 'varlong longer than 10 bytes');
  }

  /** A length prefix: -1 (or compact 0) is null; anything else must fit in what is left. */
  #length(compact: boolean, nullable: boolean, what: string): number {
    const n = compact ? this.uvarint() - 1 : what === 'string' ? this.int16() : this.int32();
    if (n < -1 || (n === -1 && !nullable))
      throw new ProtocolError('INVALID_LENGTH', `invalid ${what} length ${n}`);
    if (n > this.remaining)
      throw new ProtocolError('TRUNCATED', `${what} of ${n} bytes, ${this.remaining} left`);
    return n;
  }

  string(compact: boolean, nullable: boolean): string | null {
    const n = this.#length(compact, nullable, 'string');
    if (n === -1) return null;
    const at = this.#need(n);
    return this.buf.toString('utf8', at, at + n);
  }

  bytes(compact: boolean, nullable: boolean): Buffer | null {
    const n = this.#length(compact, nullable, 'bytes');
    if (n === -1) return null;
    const at = this.#need(n);
    return this.buf.subarray(at, at + n);
  }

  /** Element count of an array; every element takes at least `minElementBytes`, so a bogus count fails fast. */
  arrayLength(compact: boolean, nullable: boolean, minElementBytes = 1): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1 || (n === -1 && !nullable))
      throw new ProtocolError('INVALID_LENGTH', `invalid array length ${n}`);
    if (n * minElementBytes > this.remaining) {
      throw new ProtocolError('TRUNCATED', `array of ${n} elements cannot fit in ${this.remaining} bytes`);
    }
    return n;
  }

  uuid(): string {
    const at = this.#need(16);
    const hex = this.buf.toString('hex', at, at + 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  skip(n: number): void {
    this.#need(n);
  }
}
