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

it('reuses the memory of a given-back frame for the next one, and never of a frame still in use', () => {
  const reader = new FrameReader(1024 * 1024, () => {});
  const payload = (n: number, fill: number) => Buffer.alloc(n, fill);
  // Frames of 100 KB arriving in 40 KB chunks: each is copied together from several chunks.
  const feed = (p: Buffer) => {
    for (const c of chunked(framed([p]), [40_000, 80_000])) reader.push(c);
    return reader.next()!;
  };
  const first = feed(payload(100_000, 1));
  reader.recycle(first);
  const second = feed(payload(100_000, 2));
  assert.equal(second.buffer, first.buffer, 'a given-back frame takes the next one');
  assert.ok(second.every((b) => b === 2));
  // `second` is not given back: the next frame gets memory of its own and `second` stays intact.
  const third = feed(payload(90_000, 3));
  assert.notEqual(third.buffer, second.buffer);
  assert.ok(second.every((b) => b === 2) && third.every((b) => b === 3));
  // Giving back a frame that is not the latest copied one changes nothing.
  reader.recycle(second);
  const fourth = feed(payload(90_000, 4));
  assert.notEqual(fourth.buffer, second.buffer);
  assert.ok(second.every((b) => b === 2) && fourth.every((b) => b === 4));
  // A larger frame than the spare memory gets a new buffer.
  reader.recycle(fourth);
  const fifth = feed(payload(200_000, 5));
  assert.notEqual(fifth.buffer, fourth.buffer);
  assert.ok(fifth.every((b) => b === 5));
});
