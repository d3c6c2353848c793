import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  computeRecordBatchCrc,
  crc32c,
  decodeRecordBatches,
  encodeRecordBatch,
  isRecordBatchCrcValid,
  ProtocolError,
  readRecordBatchHeader,
} from '@tributary/kafka-protocol';
import fc from 'fast-check';

const bytesOrNull = fc.option(
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  { nil: null },
);

const batchArb = fc.record({
  baseOffset: fc.bigInt({ min: 0n, max: 2n ** 62n }),
  baseTimestamp: fc.bigInt({ min: 0n, max: 2n ** 50n }),
  producerId: fc.bigInt({ min: -1n, max: 2n ** 40n }),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  records: fc.array(
    fc.record({
      timestampDelta: fc.bigInt({ min: 0n, max: 2n ** 40n }),
      key: bytesOrNull,
      value: bytesOrNull,
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: bytesOrNull }), {
        maxLength: 3,
      }),
    }),
    { minLength: 1, maxLength: 10 },
  ),
});

describe('record batch v2', () => {
  it('decodes what it encodes (property)', () => {
    fc.assert(
      fc.property(batchArb, (input) => {
        const buf = encodeRecordBatch(input);
        assert.ok(isRecordBatchCrcValid(buf));
        const [decoded] = decodeRecordBatches(buf);
        assert.equal(decoded.header.baseOffset, input.baseOffset);
        assert.equal(decoded.header.producerId, input.producerId);
        assert.equal(decoded.header.baseSequence, input.baseSequence);
        assert.equal(decoded.header.recordsCount, input.records.length);
        assert.equal(decoded.header.lastOffsetDelta, input.records.length - 1);
        assert.equal(decoded.header.batchLength, buf.length - 12);
        decoded.records.forEach((r, i) => {
          const want = input.records[i];
          assert.equal(r.offsetDelta, i);
          assert.equal(r.timestampDelta, want.timestampDelta);
          assert.deepEqual(r.key, want.key);
          assert.deepEqual(r.value, want.value);
          assert.deepEqual(
            r.headers.map((h) => ({ key: h.key, value: h.value })),
            want.headers.map((h) => ({ key: h.key, value: h.value })),
          );
        });
      }),
    );
  });

  it('computes the CRC-32C of attributes..end and detects a flipped byte', () => {
    const buf = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('hello') }] });
    assert.equal(buf.readUInt32BE(17), crc32c(buf.subarray(21)));
    assert.equal(computeRecordBatchCrc(buf), buf.readUInt32BE(17));
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
    for (let i = 21; i < buf.length; i++) {
      const bad = Buffer.from(buf);
      bad[i] ^= 0x01;
      assert.equal(isRecordBatchCrcValid(bad), false, `flip at ${i}`);
    }
    const offsetChanged = Buffer.from(buf);
    offsetChanged.writeBigInt64BE(42n, 0);
    assert.ok(isRecordBatchCrcValid(offsetChanged), 'the base offset is outside the CRC');
  });

  it('ignores a trailing partial batch and refuses a bad magic', () => {
    const a = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('a') }] });
    const b = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('b') }] });
    const joined = Buffer.concat([a, b.subarray(0, b.length - 3)]);
    assert.equal(decodeRecordBatches(joined).length, 1);
    const bad = Buffer.from(a);
    bad[16] = 1;
    assert.throws(() => readRecordBatchHeader(bad), ProtocolError);
  });
});
