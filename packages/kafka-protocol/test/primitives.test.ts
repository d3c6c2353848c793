import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, Reader, Writer } from '@tributary/kafka-protocol';
import fc from 'fast-check';

describe('primitives', () => {
  it('encodes zigzag varints as in the Kafka record format', () => {
    const cases: [number, number[]][] = [
      [0, [0]],
      [-1, [1]],
      [1, [2]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [300, [0xd8, 0x04]],
    ];
    for (const [value, bytes] of cases) {
      const w = new Writer();
      w.varint(value);
      assert.deepEqual([...w.toBuffer()], bytes, `varint ${value}`);
      assert.equal(new Reader(Buffer.from(bytes)).varint(), value);
    }
  });

  it('writes a null compact string as a single zero byte and a null classic string as -1', () => {
    const w = new Writer();
    w.string(null, true);
    w.string(null, false);
    w.string('hé', true);
    assert.deepEqual([...w.toBuffer()], [0, 0xff, 0xff, 4, 0x68, 0xc3, 0xa9]);
    const r = new Reader(w.toBuffer());
    assert.equal(r.string(true, true), null);
    assert.equal(r.string(false, true), null);
    assert.equal(r.string(true, false), 'hé');
  });

  it('round-trips every primitive (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          i8: fc.integer({ min: -128, max: 127 }),
          i16: fc.integer({ min: -32768, max: 32767 }),
          i32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          u32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          vl: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          vi: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          f: fc.double({ noNaN: true }),
          s: fc.option(fc.string(), { nil: null }),
          b: fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null }),
          uuid: fc.uuid(),
          flag: fc.boolean(),
        }),
        (v) => {
          const w = new Writer(4);
          w.int8(v.i8);
          w.int16(v.i16);
          w.int32(v.i32);
          w.int64(v.i64);
          w.uint32(v.u32);
          w.varlong(v.vl);
          w.varint(v.vi);
          w.float64(v.f);
          w.string(v.s, true);
          w.bytes(v.b, false);
          w.uuid(v.uuid);
          w.bool(v.flag);
          const r = new Reader(w.toBuffer());
          assert.equal(r.int8(), v.i8);
          assert.equal(r.int16(), v.i16);
          assert.equal(r.int32(), v.i32);
          assert.equal(r.int64(), v.i64);
          assert.equal(r.uint32(), v.u32);
          assert.equal(r.varlong(), v.vl);
          assert.equal(r.varint(), v.vi);
          assert.equal(Object.is(r.float64(), v.f) || v.f === 0, true);
          assert.equal(r.string(true, true), v.s);
          const b = r.bytes(false, true);
          assert.deepEqual(b === null ? null : [...b], v.b === null ? null : [...v.b]);
          assert.equal(r.uuid(), v.uuid.toLowerCase());
          assert.equal(r.bool(), v.flag);
          assert.equal(r.remaining, 0);
        },
      ),
    );
  });

  it('refuses truncated input, bogus lengths and over-long varints with a ProtocolError', () => {
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof ProtocolError);
        return err.code;
      }
      return 'no error';
    };
    assert.equal(
      codeOf(() => new Reader(Buffer.from([0, 0, 0])).int32()),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => new Reader(Buffer.from([0, 10, 65])).string(false, false)),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => new Reader(Buffer.from([0xff, 0xff])).string(false, false)),
      'INVALID_LENGTH',
    );
    assert.equal(
      codeOf(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(false, false)),
      'TRUNCATED',
    );
    assert.equal(
      codeOf(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint()),
      'INVALID_VARINT',
    );
  });
});
