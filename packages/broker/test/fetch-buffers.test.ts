// Fetches reuse their read buffers once a response is written: while one client leaves its responses
// unread (they wait in the broker, holding their buffers), other connections fetching large batches must
// not overwrite them, and every response must carry exactly the bytes it was asked for.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, it } from 'node:test';
import {
  decodeRecordBatches,
  decodeResponse,
  encodeRecordBatch,
  encodeRequest,
} from '@tributary/kafka-protocol';
import { brokerFixture } from './support/broker-fixture.ts';
import { RawClient } from './support/raw-client.ts';

const BATCHES = 6;

const fetchBody = (b: number) =>
  ({
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 250_000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'big',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(b * 4),
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 250_000,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  }) as never;

/** The records of a response to `fetchBody(b)` are batch `b`, every value byte naming it. */
function check(records: Buffer, b: number): void {
  const batches = decodeRecordBatches(records);
  assert.equal(batches.length, 1);
  assert.equal(Number(batches[0].header.baseOffset), b * 4);
  for (const r of batches[0].records)
    assert.ok(
      r.value!.every((byte) => byte === 97 + b),
      `batch ${b} intact`,
    );
}

it('serves the right data to concurrent large fetches while read buffers are reused', async () => {
  const fixture = await brokerFixture({ flush: 'os' });
  const clients: RawClient[] = [];
  const slow = connect(fixture.broker.port, '127.0.0.1');
  const slowConnected = new Promise<void>((resolve) => slow.once('connect', resolve));
  after(async () => {
    slow.destroy();
    for (const c of clients) c.close();
    await fixture.stop();
  });
  const producer = await RawClient.connect(fixture.broker.port);
  clients.push(producer);
  for (let b = 0; b < BATCHES; b++) {
    const value = Buffer.alloc(50_000, 97 + b);
    const records = encodeRecordBatch({ records: Array.from({ length: 4 }, () => ({ key: null, value })) });
    const res = await producer.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 'big', partitionData: [{ index: 0, records }] }],
    } as never);
    assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
  }
  await slowConnected;
  slow.pause();
  const asked = Array.from({ length: 40 }, (_, i) => i % BATCHES);
  for (const [i, b] of asked.entries())
    slow.write(encodeRequest(1, 12, { correlationId: i, clientId: 'slow' }, fetchBody(b)));
  for (let c = 0; c < 4; c++) clients.push(await RawClient.connect(fixture.broker.port));
  await Promise.all(
    clients.slice(1).map(async (client, c) => {
      for (let i = 0; i < 40; i++) {
        const b = (i * 5 + c) % BATCHES;
        check((await client.request(1, 12, fetchBody(b))).responses[0].partitions[0].records!, b);
      }
    }),
  );
  const frames: Buffer[] = [];
  let pending = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    slow.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        frames.push(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + pending.readInt32BE(0));
      }
      if (frames.length === asked.length) resolve();
    });
    slow.once('error', reject);
    slow.resume();
  });
  for (const [i, frame] of frames.entries()) {
    const { correlationId, body } = decodeResponse(1, 12, frame);
    assert.equal(correlationId, i);
    check(body.responses[0].partitions[0].records!, asked[i]);
  }
});
