// A response taken as pieces is byte for byte the response taken whole, and its large record data is the
// caller's buffer (not a copy).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeResponse, encodeResponse, encodeResponseChunks } from '../src/index.ts';

function fetchBody(records: Buffer[]) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 't',
        partitions: records.map((r, i) => ({
          partitionIndex: i,
          errorCode: 0,
          highWatermark: 10n,
          lastStableOffset: 10n,
          logStartOffset: 0n,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: r,
        })),
      },
    ],
    nodeEndpoints: [],
  };
}

for (const version of [4, 11, 12]) {
  it(`writes a Fetch v${version} response in pieces equal to the whole, referencing large record data`, () => {
    const big = Buffer.alloc(200_000, 3);
    const small = Buffer.alloc(100, 4);
    const body = fetchBody([small, big, small, big]);
    const whole = encodeResponse(1, version, 42, body as never);
    const pieces = encodeResponseChunks(1, version, 42, body as never);
    assert.deepEqual(Buffer.concat(pieces), whole);
    assert.equal(pieces.filter((p) => p === big).length, 2, 'the large record buffers are not copied');
    assert.equal(pieces[0].readInt32BE(0), whole.length - 4);
    const decoded = decodeResponse(1, version, whole.subarray(4));
    assert.equal(decoded.correlationId, 42);
  });
}
