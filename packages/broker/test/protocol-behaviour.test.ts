// Broker behaviour at the wire level, through exact requests over TCP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeRecordBatches, encodeRecordBatch, isRecordBatchCrcValid } from '@tributary/kafka-protocol';
import { type BrokerFixture, brokerFixture } from './support/broker-fixture.ts';
import { RawClient } from './support/raw-client.ts';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function batch(
  values: string[],
  producer?: { id: bigint; epoch: number; seq: number },
  timestamp = Date.now(),
) {
  return encodeRecordBatch({
    baseTimestamp: BigInt(timestamp),
    maxTimestamp: BigInt(timestamp),
    producerId: producer?.id ?? -1n,
    producerEpoch: producer?.epoch ?? -1,
    baseSequence: producer?.seq ?? -1,
    records: values.map((v, i) => ({ offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  });
}

function produceBody(topic: string, partition: number, records: Buffer, acks = -1) {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

function fetchBody(topic: string, offset: bigint, maxWaitMs = 0) {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: ZERO_UUID,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

function createBody(name: string, numPartitions: number, replicationFactor = 1) {
  return {
    topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  };
}

describe('broker protocol behaviour', () => {
  let fixture: BrokerFixture;
  let client: RawClient;
  before(async () => {
    fixture = await brokerFixture({ maxFrameBytes: 1 << 20 });
    client = await RawClient.connect(fixture.broker.port);
  });
  after(async () => {
    client.close();
    await fixture.stop();
  });

  it('advertises exactly the supported API version ranges', async () => {
    const res = await client.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    assert.equal(res.errorCode, 0);
    const table = Object.fromEntries(res.apiKeys.map((k) => [k.apiKey, `${k.minVersion}-${k.maxVersion}`]));
    assert.deepEqual(table, {
      0: '3-11',
      1: '4-12',
      2: '1-7',
      3: '0-12',
      8: '0-9',
      9: '1-7',
      10: '0-3',
      11: '0-9',
      12: '0-4',
      13: '0-5',
      14: '0-5',
      15: '0-5',
      16: '0-4',
      17: '0-1',
      18: '0-3',
      19: '0-7',
      20: '0-5',
      21: '0-2',
      22: '0-4',
      24: '0-3',
      29: '0-3',
      30: '0-3',
      31: '0-3',
      32: '0-4',
      33: '0-2',
      35: '0-4',
      36: '0-2',
      37: '0-3',
      42: '0-2',
      44: '0-1',
      47: '0-0',
      50: '0-0',
      51: '0-0',
      60: '0-1',
    });
  });

  it('answers an ApiVersions version it does not know with a v0 body and error 35', async () => {
    const raw = await RawClient.connect(fixture.broker.port);
    try {
      const body = Buffer.from([0, 0, 0, 0x2a, 0, 4, 0x74, 0x65, 0x73, 0x74, 0]); // header v2 + garbage body
      const frame = Buffer.alloc(4 + 4 + body.length);
      frame.writeInt32BE(frame.length - 4, 0);
      frame.writeInt16BE(18, 4);
      frame.writeInt16BE(99, 6);
      body.copy(frame, 8);
      const reply = raw.nextFrame();
      raw.writeRaw(frame);
      const response = await reply;
      assert.ok(response);
      assert.equal(response.readInt32BE(0), 0x2a, 'correlation id of the request');
      assert.equal(response.readInt16BE(4), 35, 'UNSUPPORTED_VERSION');
      assert.equal(response.readInt32BE(6), 1, 'one api key entry');
      assert.deepEqual(
        [response.readInt16BE(10), response.readInt16BE(12), response.readInt16BE(14)],
        [18, 0, 3],
      );
    } finally {
      raw.close();
    }
  });

  it('closes only the offending connection on an unknown API key, a garbage frame or an oversized frame', async () => {
    for (const bytes of [
      Buffer.from([0, 0, 0, 10, 0, 99, 0, 0, 0, 0, 0, 1, 0, 0]),
      Buffer.from([0, 0, 0, 12, 0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0]),
    ]) {
      const bad = await RawClient.connect(fixture.broker.port);
      bad.writeRaw(bytes);
      assert.equal(await bad.waitClosed(), true, `closed after ${bytes.toString('hex')}`);
    }
    const res = await client.request(3, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(res.brokers[0].port, fixture.broker.port, 'the other connection still works');
  });

  it('creates topics with Kafka error codes for bad requests', async () => {
    const ok = await client.request(19, 7, createBody('orders-x', 4));
    assert.equal(ok.topics[0].errorCode, 0);
    assert.notEqual(ok.topics[0].topicId, ZERO_UUID);
    assert.equal((await client.request(19, 7, createBody('orders-x', 4))).topics[0].errorCode, 36);
    assert.equal((await client.request(19, 7, createBody('bad/name', 1))).topics[0].errorCode, 17);
    assert.equal((await client.request(19, 7, createBody('rf3', 1, 3))).topics[0].errorCode, 38);
    assert.equal((await client.request(19, 7, createBody('zero', 0))).topics[0].errorCode, 37);
    const del = await client.request(20, 5, {
      topicNames: ['orders-x', 'never-was'],
      timeoutMs: 1000,
    });
    assert.deepEqual(
      del.responses.map((r) => r.errorCode),
      [0, 3],
    );
  });

  it('refuses a batch with a bad CRC and bad acks, and appends nothing', async () => {
    await client.request(19, 7, createBody('crc', 1));
    const corrupt = batch(['a', 'b']);
    corrupt[corrupt.length - 1] ^= 0xff;
    const res = await client.request(0, 9, produceBody('crc', 0, corrupt));
    assert.notEqual(res.responses[0].partitionResponses[0].errorCode, 0);
    const acks = await client.request(0, 9, produceBody('crc', 0, batch(['a']), 2));
    assert.equal(acks.responses[0].partitionResponses[0].errorCode, 21);
    const fetched = await client.request(1, 12, fetchBody('crc', 0n));
    assert.equal(fetched.responses[0].partitions[0].highWatermark, 0n);
  });

  it('acknowledges a retried idempotent batch without appending it twice and rejects a sequence gap', async () => {
    await client.request(19, 7, createBody('idem', 1));
    const init = await client.request(22, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(init.errorCode, 0);
    const producer = { id: init.producerId, epoch: init.producerEpoch, seq: 0 };
    const first = await client.request(0, 9, produceBody('idem', 0, batch(['x', 'y'], producer)));
    const retry = await client.request(0, 9, produceBody('idem', 0, batch(['x', 'y'], producer)));
    assert.equal(first.responses[0].partitionResponses[0].errorCode, 0);
    assert.equal(retry.responses[0].partitionResponses[0].errorCode, 0);
    assert.equal(
      retry.responses[0].partitionResponses[0].baseOffset,
      first.responses[0].partitionResponses[0].baseOffset,
    );
    const gap = await client.request(0, 9, produceBody('idem', 0, batch(['z'], { ...producer, seq: 5 })));
    assert.equal(gap.responses[0].partitionResponses[0].errorCode, 45);
    const fetched = await client.request(1, 12, fetchBody('idem', 0n));
    assert.equal(fetched.responses[0].partitions[0].highWatermark, 2n, 'two records, not four');
  });

  it('gives every producer without a transactional id its own producer id, and refuses a transactional one', async () => {
    const init = () =>
      client.request(22, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId: 0n,
        producerEpoch: 0,
      });
    const [a, b] = [await init(), await init()];
    assert.notEqual(a.producerId, b.producerId);
    assert.deepEqual([a.producerEpoch, b.producerEpoch], [0, 0]);
    const tx = () =>
      client.request(22, 4, {
        transactionalId: 'tx-1',
        transactionTimeoutMs: 60000,
        producerId: -1n,
        producerEpoch: -1,
      });
    const refused = await tx();
    assert.equal(
      refused.errorCode,
      53,
      'transactions are not supported: TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    );
    assert.equal(refused.producerId, -1n);
  });

  it('long-polls a fetch at the end of the log and answers as soon as a record arrives', async () => {
    await client.request(19, 7, createBody('poll', 1));
    const waiter = await RawClient.connect(fixture.broker.port);
    try {
      const started = Date.now();
      const pending = waiter.request(1, 12, fetchBody('poll', 0n, 10_000));
      await new Promise((r) => setImmediate(r));
      await client.request(0, 9, produceBody('poll', 0, batch(['wake'])));
      const res = await pending;
      assert.ok(Date.now() - started < 5000, 'woken by the append, not the timeout');
      assert.ok(res.responses[0].partitions[0].records && res.responses[0].partitions[0].records.length > 0);
    } finally {
      waiter.close();
    }
  });

  it('lists earliest, latest and by-timestamp offsets', async () => {
    await client.request(19, 7, createBody('times', 1));
    await client.request(0, 9, produceBody('times', 0, batch(['old'], undefined, 1_000_000)));
    await client.request(0, 9, produceBody('times', 0, batch(['new1', 'new2'], undefined, 2_000_000)));
    const list = (timestamp: bigint) =>
      client.request(2, 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [
          {
            name: 'times',
            partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }],
          },
        ],
      });
    assert.equal((await list(-2n)).topics[0].partitions[0].offset, 0n);
    assert.equal((await list(-1n)).topics[0].partitions[0].offset, 3n);
    assert.equal((await list(1_500_000n)).topics[0].partitions[0].offset, 1n);
    assert.equal((await list(9_000_000n)).topics[0].partitions[0].offset, -1n);
  });

  it('reports an unknown topic instead of creating it when auto-creation is off for the request', async () => {
    const res = await client.request(3, 12, {
      topics: [{ topicId: ZERO_UUID, name: 'not-auto' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(res.topics[0].errorCode, 3);
  });
});

describe('broker with LogAppendTime', () => {
  let fixture: BrokerFixture;
  let client: RawClient;
  before(async () => {
    fixture = await brokerFixture({ logAppendTime: true });
    client = await RawClient.connect(fixture.broker.port);
  });
  after(async () => {
    client.close();
    await fixture.stop();
  });

  it('stamps stored batches with the broker time and reports it to the producer', async () => {
    await client.request(19, 7, createBody('stamped', 1));
    const before = Date.now();
    const res = await client.request(0, 9, produceBody('stamped', 0, batch(['t'], undefined, 5)));
    const stamp = res.responses[0].partitionResponses[0].logAppendTimeMs;
    assert.ok(stamp >= BigInt(before) && stamp <= BigInt(Date.now()), 'broker time in the produce response');
    const fetched = await client.request(1, 12, fetchBody('stamped', 0n));
    const [stored] = decodeRecordBatches(fetched.responses[0].partitions[0].records!);
    assert.equal(stored.header.attributes & 0x08, 0x08, 'timestamp type LogAppendTime');
    assert.equal(stored.header.maxTimestamp, stamp);
    assert.ok(isRecordBatchCrcValid(fetched.responses[0].partitions[0].records!), 'CRC recomputed');
  });
});

describe('OffsetCommit v0 and v1 (older clients, Sarama among them)', () => {
  let fixture: BrokerFixture;
  let client: RawClient;
  before(async () => {
    fixture = await brokerFixture();
    client = await RawClient.connect(fixture.broker.port);
    await client.request(19, 7, createBody('old-commits', 2));
  });
  after(async () => {
    client.close();
    await fixture.stop();
  });

  // Fields of later versions, which v0 and v1 do not carry.
  const commitDefaults = {
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1n,
  };

  const fetchOffsets = async (groupId: string) => {
    const res = await client.request(9, 1, {
      groupId,
      topics: [{ name: 'old-commits', partitionIndexes: [0, 1] }],
      requireStable: false,
    });
    return res.topics[0].partitions.map((p: { committedOffset: bigint; metadata: string | null }) => [
      p.committedOffset,
      p.metadata,
    ]);
  };

  it('stores a v0 commit (no generation, no member) for a group without members', async () => {
    const res = await client.request(8, 0, {
      ...commitDefaults,
      groupId: 'v0-group',
      topics: [
        {
          name: 'old-commits',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 5n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: 'zero',
            },
            {
              partitionIndex: 1,
              committedOffset: 7n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: null,
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      res.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode),
      [0, 0],
    );
    assert.deepEqual(await fetchOffsets('v0-group'), [
      [5n, 'zero'],
      [7n, ''],
    ]);
  });

  it('reads v1 per-partition commit timestamps and stores the offsets after them', async () => {
    const res = await client.request(8, 1, {
      ...commitDefaults,
      groupId: 'v1-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      topics: [
        {
          name: 'old-commits',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 11n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: 'a',
            },
            {
              partitionIndex: 1,
              committedOffset: 13n,
              committedLeaderEpoch: -1,
              commitTimestamp: 1700000000000n,
              committedMetadata: 'b',
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      res.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode),
      [0, 0],
    );
    assert.deepEqual(await fetchOffsets('v1-group'), [
      [11n, 'a'],
      [13n, 'b'],
    ]);
  });

  it('refuses a v1 commit of a generation the group never had', async () => {
    const res = await client.request(8, 1, {
      ...commitDefaults,
      groupId: 'v1-group',
      generationIdOrMemberEpoch: 4,
      memberId: 'nobody',
      topics: [
        {
          name: 'old-commits',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 99n,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: '',
            },
          ],
        },
      ],
    });
    // UNKNOWN_MEMBER_ID: the group has no member of that id, as Kafka answers.
    assert.equal(res.topics[0].partitions[0].errorCode, 25);
    assert.deepEqual((await fetchOffsets('v1-group'))[0], [11n, 'a']);
  });
});
