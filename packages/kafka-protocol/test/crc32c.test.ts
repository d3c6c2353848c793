import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32c } from '@tributary/kafka-protocol';
import fc from 'fast-check';

/** The definition, one bit at a time: what the table-driven version must agree with. */
function bitwise(data: Uint8Array, start: number, end: number, seed = 0): number {
  let crc = ~seed >>> 0;
  for (let i = start; i < end; i++) {
    crc ^= data[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  it('gives the CRC-32C check value and the RFC 3720 test vectors', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    assert.equal(crc32c(ascending), 0x46dd794e);
  });

  it('agrees with the bit-by-bit definition at every alignment, length and seed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat(7),
        fc.nat(40),
        fc.nat(40),
        fc.integer({ min: 0, max: 0xffffffff }),
        (bytes, shift, cutStart, cutEnd, seed) => {
          // A view at an arbitrary byte offset of its ArrayBuffer, as a record batch inside a frame is.
          const backing = new Uint8Array(bytes.length + shift);
          backing.set(bytes, shift);
          const view = backing.subarray(shift);
          const start = Math.min(cutStart, view.length);
          const end = Math.max(start, view.length - cutEnd);
          assert.equal(crc32c(view, start, end, seed), bitwise(view, start, end, seed));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('continues a checksum across pieces', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff));
    assert.equal(crc32c(data, 517, 1000, crc32c(data, 0, 517)), crc32c(data));
  });
});
