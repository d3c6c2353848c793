// Random and mutated frames hit the broker while a real client keeps producing: the client never
// notices, and the broker keeps serving.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { encodeRecordBatch, encodeRequest } from '@tributary/kafka-protocol';
import fc from 'fast-check';
import { type BrokerFixture, brokerFixture } from './support/broker-fixture.ts';

let fixture: BrokerFixture;
before(async () => {
  fixture = await brokerFixture({ maxFrameBytes: 64 * 1024 });
});
after(() => fixture.stop());

/** Sends raw bytes on a fresh connection and waits until the broker answers, closes, or goes quiet. */
function sendRaw(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(finish, 50);
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', finish);
    socket.write(bytes);
  });
}

function validFrames(): Buffer[] {
  const batch = encodeRecordBatch({
    records: [{ key: Buffer.from('k'), value: Buffer.from('fuzz'), headers: [] }],
  });
  return [
    encodeRequest(18, 3, { correlationId: 1, clientId: 'fuzz' }, {
      clientSoftwareName: 'fuzz',
      clientSoftwareVersion: '1',
    } as never),
    encodeRequest(3, 12, { correlationId: 2, clientId: 'fuzz' }, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'fuzz-target' }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    } as never),
    encodeRequest(0, 9, { correlationId: 3, clientId: 'fuzz' }, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: 'fuzz-target', partitionData: [{ index: 0, records: batch }] }],
    } as never),
    encodeRequest(1, 12, { correlationId: 4, clientId: 'fuzz' }, {
      clusterId: null,
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 'fuzz-target',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: -1,
              fetchOffset: 0n,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: 1024,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    } as never),
  ];
}

it('survives random and mutated frames while a client produces without noticing', async () => {
  const port = fixture.broker.port;
  const producer = new Producer({
    clientId: 'fuzz-bystander',
    bootstrapBrokers: [fixture.broker.address],
    serializers: stringSerializers,
    acks: -1,
    autocreateTopics: true,
  });
  let produced = 0;
  let clientError: unknown;
  let stop = false;
  const bystander = (async () => {
    while (!stop) {
      try {
        await producer.send({
          messages: [{ topic: 'bystander', key: `k${produced % 5}`, value: `v${produced}` }],
        });
        produced++;
      } catch (err) {
        clientError = err;
        return;
      }
    }
  })();

  const frames = validFrames();
  const sizePrefixed = (body: Uint8Array) => {
    const b = Buffer.alloc(4 + body.length);
    b.writeInt32BE(body.length, 0);
    Buffer.from(body).copy(b, 4);
    return b;
  };
  const attack = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ minLength: 0, maxLength: 300 }).map(sizePrefixed),
    fc
      .tuple(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      )
      .map(([i, flips]) => {
        const f = Buffer.from(frames[i]);
        for (const [pos, v] of flips) f[4 + (pos % (f.length - 4))] = v;
        return f;
      }),
    fc
      .tuple(fc.integer({ min: 0, max: frames.length - 1 }), fc.nat())
      .map(([i, cut]) => frames[i].subarray(0, cut % frames[i].length)),
    fc.integer({ min: 64 * 1024 + 1, max: 0x7fffffff }).map((size) => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(size, 0);
      return b;
    }),
  );
  await fc.assert(
    fc.asyncProperty(attack, async (bytes) => {
      await sendRaw(port, bytes);
    }),
    { numRuns: 400 },
  );
  stop = true;
  await bystander;
  await producer.close();
  assert.equal(clientError, undefined, 'the well-behaved client saw no error');
  assert.ok(produced > 0);

  // The broker still serves a fresh client.
  const after = new Producer({
    clientId: 'fuzz-after',
    bootstrapBrokers: [fixture.broker.address],
    serializers: stringSerializers,
    autocreateTopics: true,
  });
  const result = await after.send({ messages: [{ topic: 'bystander', value: 'still alive' }] });
  await after.close();
  assert.ok(result.offsets && result.offsets.length === 1);
});
