// One connection, one order: requests written back to back on one socket are applied in arrival order,
// while what a request waits for (a long-poll) does not hold up the requests behind it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeRecordBatches, type ResponseBodies } from '@tributary/kafka-protocol';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import {
  batch,
  createTopicsBody,
  fetchBody,
  initProducerId,
  pipeline,
  produceBody,
  wire,
} from './wire-requests.ts';

type ProduceResponse = ResponseBodies[0];
type FetchResponse = ResponseBodies[1];
type JoinGroupResponse = ResponseBodies[11];

function values(records: Buffer | null | undefined): string[] {
  return decodeRecordBatches(records ?? Buffer.alloc(0)).flatMap((b) =>
    b.records.map((r) => r.value?.toString() ?? ''),
  );
}

function partitionResults(response: unknown) {
  return (response as ProduceResponse).responses.flatMap((t) =>
    t.partitionResponses.map((p) => ({ index: p.index, errorCode: p.errorCode, baseOffset: p.baseOffset })),
  );
}

describe('requests pipelined on one connection', () => {
  // The default flush policy (acks=-1 waits for an fdatasync) and the `os` policy, whose high watermark is
  // the log end, so a pipelined fetch can see what the produce before it appended.
  let durable: BrokerFixture;
  let os: BrokerFixture;
  const clients: RawClient[] = [];
  const connect = async (fixture: BrokerFixture) => {
    const client = await RawClient.connect(fixture.broker.port);
    clients.push(client);
    return client;
  };
  before(async () => {
    durable = await brokerFixture();
    os = await brokerFixture({ flush: 'os' });
  });
  after(async () => {
    for (const c of clients) c.close();
    await durable?.stop();
    await os?.stop();
  });

  it('appends an idempotent producer’s requests in order when a later one reaches a partition first', async () => {
    const client = await connect(durable);
    const created = await client.request(19, 7, createTopicsBody('ordered-produce', 2));
    assert.equal(created.topics[0].errorCode, 0);
    const producer = await initProducerId(client);
    const seq = (n: number) => ({ ...producer, seq: n });
    // A = [p0 seq 0, p1 seq 0], B = [p1 seq 1], C = [p0 seq 1, p1 seq 2]: B and C must not reach p1 before A.
    const [a, b, c] = await pipeline(client, [
      wire(
        0,
        9,
        produceBody('ordered-produce', [
          { index: 0, records: batch(['a0'], seq(0)) },
          { index: 1, records: batch(['a1'], seq(0)) },
        ]),
      ),
      wire(0, 9, produceBody('ordered-produce', [{ index: 1, records: batch(['b1'], seq(1)) }])),
      wire(
        0,
        9,
        produceBody('ordered-produce', [
          { index: 0, records: batch(['c0'], seq(1)) },
          { index: 1, records: batch(['c1'], seq(2)) },
        ]),
      ),
    ]);
    assert.deepEqual(partitionResults(a), [
      { index: 0, errorCode: 0, baseOffset: 0n },
      { index: 1, errorCode: 0, baseOffset: 0n },
    ]);
    assert.deepEqual(partitionResults(b), [{ index: 1, errorCode: 0, baseOffset: 1n }]);
    assert.deepEqual(partitionResults(c), [
      { index: 0, errorCode: 0, baseOffset: 1n },
      { index: 1, errorCode: 0, baseOffset: 2n },
    ]);
    const p1 = await client.request(1, 12, fetchBody('ordered-produce', 1, 0n));
    assert.deepEqual(values(p1.responses[0].partitions[0].records), ['a1', 'b1', 'c1']);
  });

  it('answers a thousand pipelined produces in order, past the point where the socket is paused', async () => {
    const client = await connect(durable);
    await client.request(19, 7, createTopicsBody('many-in-flight', 1));
    const producer = await initProducerId(client);
    const count = 1000;
    const responses = await pipeline(
      client,
      Array.from({ length: count }, (_, i) =>
        wire(
          0,
          9,
          produceBody('many-in-flight', [{ index: 0, records: batch([`v${i}`], { ...producer, seq: i }) }]),
        ),
      ),
    );
    assert.deepEqual(
      responses.map((r) => partitionResults(r)[0]),
      Array.from({ length: count }, (_, i) => ({ index: 0, errorCode: 0, baseOffset: BigInt(i) })),
    );
  });

  it('refuses a producer whose first batch on a partition does not start at sequence 0, appending nothing', async () => {
    const client = await connect(durable);
    await client.request(19, 7, createTopicsBody('first-sequence', 1));
    const producer = await initProducerId(client);
    const late = await client.request(
      0,
      9,
      produceBody('first-sequence', [{ index: 0, records: batch(['x'], { ...producer, seq: 3 }) }]),
    );
    const result = late.responses[0].partitionResponses[0];
    assert.equal(result.errorCode, 45, 'OUT_OF_ORDER_SEQUENCE_NUMBER');
    assert.match(result.errorMessage ?? '', /sequence 0, got 3/);
    const fromZero = await client.request(
      0,
      9,
      produceBody('first-sequence', [{ index: 0, records: batch(['y'], { ...producer, seq: 0 }) }]),
    );
    assert.equal(fromZero.responses[0].partitionResponses[0].errorCode, 0);
    assert.equal(fromZero.responses[0].partitionResponses[0].baseOffset, 0n, 'nothing was appended before');
  });

  it('lets a fetch written right after a produce see what that produce appended', async () => {
    const client = await connect(os);
    await client.request(19, 7, createTopicsBody('produce-then-fetch', 2));
    // The fetch reads the produce's second partition, which the produce reaches last.
    const [produced, fetched] = await pipeline(client, [
      wire(
        0,
        9,
        produceBody(
          'produce-then-fetch',
          [
            { index: 0, records: batch(['x0']) },
            { index: 1, records: batch(['x1', 'y1']) },
          ],
          1,
        ),
      ),
      wire(1, 12, fetchBody('produce-then-fetch', 1, 0n)),
    ]);
    assert.ok(partitionResults(produced).every((p) => p.errorCode === 0));
    const partition = (fetched as FetchResponse).responses[0].partitions[0];
    assert.equal(partition.errorCode, 0);
    assert.equal(partition.highWatermark, 2n);
    assert.deepEqual(values(partition.records), ['x1', 'y1']);
  });

  it('lets an offset fetch written right after an offset commit see the commit', async () => {
    const client = await connect(durable);
    await client.request(19, 7, createTopicsBody('commit-then-fetch', 1));
    const [committed, fetched] = await pipeline(client, [
      wire(8, 8, {
        groupId: 'pipelined-group',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [
          {
            name: 'commit-then-fetch',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 42n,
                committedLeaderEpoch: -1,
                commitTimestamp: -1n,
                committedMetadata: 'm',
              },
            ],
          },
        ],
      }),
      wire(9, 7, {
        groupId: 'pipelined-group',
        topics: [{ name: 'commit-then-fetch', partitionIndexes: [0] }],
        requireStable: true,
      }),
    ]);
    assert.equal((committed as ResponseBodies[8]).topics[0].partitions[0].errorCode, 0);
    const offsets = fetched as ResponseBodies[9];
    assert.equal(offsets.errorCode, 0);
    assert.equal(offsets.topics[0].partitions[0].committedOffset, 42n);
    assert.equal(offsets.topics[0].partitions[0].metadata, 'm');
  });

  it('serves a produce written behind a long-polling fetch on the same connection, waking that fetch', async () => {
    const client = await connect(os);
    await client.request(19, 7, createTopicsBody('poll-then-produce', 1));
    // Were the fetch's wait to hold up the produce, or to miss its append, it would answer after 60 s.
    const started = Date.now();
    const [fetched, produced] = await pipeline(client, [
      wire(1, 12, fetchBody('poll-then-produce', 0, 0n, 60_000)),
      wire(0, 9, produceBody('poll-then-produce', [{ index: 0, records: batch(['late']) }], 1)),
    ]);
    assert.ok(Date.now() - started < 30_000, 'the fetch was woken by the append, not by its max wait');
    assert.deepEqual(values((fetched as FetchResponse).responses[0].partitions[0].records), ['late']);
    assert.ok(partitionResults(produced).every((p) => p.errorCode === 0));
  });

  it('serves a member’s heartbeat and rejoin written behind another member’s JoinGroup waiting on the same connection', async () => {
    const client = await connect(durable);
    const join = (memberId: string) =>
      wire(11, 3, {
        groupId: 'shared-socket',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 60_000,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.from('m') }],
        reason: null,
      });
    const [first] = (await pipeline(client, [join('')])) as JoinGroupResponse[];
    assert.equal(first.errorCode, 0);
    const a = first.memberId;
    const [synced] = (await pipeline(client, [
      wire(14, 3, {
        groupId: 'shared-socket',
        generationId: first.generationId,
        memberId: a,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [{ memberId: a, assignment: Buffer.from('all') }],
      }),
    ])) as ResponseBodies[14][];
    assert.equal(synced.errorCode, 0);
    // B's join waits for A to rejoin; A learns of the rebalance by a heartbeat behind B's join, on the same
    // socket. Were B's wait to hold them up, the rebalance would end only when A timed out (60 s).
    const [joinedB, beat, rejoinedA] = await pipeline(client, [
      join(''),
      wire(12, 3, {
        groupId: 'shared-socket',
        generationId: first.generationId,
        memberId: a,
        groupInstanceId: null,
      }),
      join(a),
    ]);
    assert.equal((beat as ResponseBodies[12]).errorCode, 27, 'REBALANCE_IN_PROGRESS');
    const [b, ra] = [joinedB as JoinGroupResponse, rejoinedA as JoinGroupResponse];
    assert.deepEqual([b.errorCode, ra.errorCode], [0, 0]);
    assert.equal(b.generationId, first.generationId + 1);
    assert.equal(ra.generationId, b.generationId);
    const leader = b.leader === b.memberId ? b : ra;
    assert.equal(leader.members.length, 2, 'both members are in the new generation');
  });
});
