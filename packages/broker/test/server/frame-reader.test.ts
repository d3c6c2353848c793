// Kafka framing over a byte stream: whatever the chunking, the frames that come out are the frames that
// went in, and the bytes held are accounted for exactly (and given back on release).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { FrameReader, FrameSizeError } from '../../src/server/frame-reader.ts';

function framed(payloads: Buffer[]): Buffer {
  return Buffer.concat(
    payloads.flatMap((p) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(p.length);
      return [size, p];
    }),
  );
}

function chunked(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, stream.length]) {
    if (p > from) out.push(stream.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

it('reassembles small and large frames split at any byte, holding exactly what it has not handed out', () => {
  const payload = fc.oneof(
    fc.uint8Array({ minLength: 8, maxLength: 300 }),
    // Large frames take the one-buffer path.
    fc.integer({ min: 256 * 1024, max: 300 * 1024 }).map((n) => new Uint8Array(n).fill(n % 251)),
  );
  fc.assert(
    fc.property(
      fc.array(payload, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (arrays, cuts) => {
        const payloads = arrays.map((a) => Buffer.from(a));
        const stream = framed(payloads);
        let held = 0;
        const reader = new FrameReader(1 << 20, (delta) => {
          held += delta;
        });
        const out: Buffer[] = [];
        let pushed = 0;
        for (const chunk of chunked(stream, cuts)) {
          reader.push(chunk);
          pushed += chunk.length;
          for (let f = reader.next(); f; f = reader.next()) out.push(Buffer.from(f));
          const handedOut = out.reduce((n, f) => n + 4 + f.length, 0);
          assert.equal(held, pushed - handedOut);
          assert.equal(reader.held, held);
        }
        assert.deepEqual(out, payloads);
        assert.equal(held, 0);
      },
    ),
    { numRuns: 200 },
  );
});

it('gives back every byte of a parked partial frame on release and ignores what arrives after', () => {
  let held = 0;
  const reader = new FrameReader(1 << 22, (delta) => {
    held += delta;
  });
  const stream = framed([Buffer.alloc(3 << 20, 1)]);
  reader.push(stream.subarray(0, 100));
  assert.equal(reader.next(), undefined);
  reader.push(stream.subarray(100, 2 << 20));
  assert.equal(reader.next(), undefined);
  assert.equal(held, 2 << 20);
  reader.release();
  assert.equal(held, 0);
  reader.push(stream.subarray(2 << 20));
  assert.equal(held, 0);
  assert.equal(reader.next(), undefined);
});

it('refuses a size below a request header or above the maximum before buffering the frame', () => {
  const reader = new FrameReader(1024, () => {});
  reader.push(Buffer.from([0, 0, 0x10, 0]));
  assert.throws(
    () => reader.next(),
    (err: unknown) => err instanceof FrameSizeError && err.size === 4096,
  );
  const tiny = new FrameReader(1024, () => {});
  tiny.push(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
  assert.throws(() => tiny.next(), /frame too small/);
});
