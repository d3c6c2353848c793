// Fetch responses on the TLS listener hold at most tlsFetchMaxBytes of records, yet always at least one
// whole batch (a batch larger than the cap is sent alone), while the plaintext listener beside it answers
// up to fetchMaxBytes; consumers over TLS (@platformatic/kafka, kcat) still read every record in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { decodeRecordBatches, encodeRecordBatch } from '@tributary/kafka-protocol';
import { type BrokerFixture, brokerFixture } from './support/broker-fixture.ts';
import { kcat } from './support/kcat.ts';
import { RawClient } from './support/raw-client.ts';
import { type TestCertificates, testCertificates } from './support/test-certificates.ts';

const CAP = 64 * 1024;
const TOPIC = 'sized';
const PARTITIONS = 2;
// Records per batch, in the order the batches are produced: small and mid-sized batches, and one batch of
// 150 KiB, more than twice the cap, in the middle.
const BATCH_RECORDS = [1, 3, 10, 25, 2, 150, 7, 40, 1, 12, 30, 5, 20, 8];
const VALUE_BYTES = 1024;

/** The value of record `i` of partition `p`: its name, then padding up to 1 KiB. */
const valueAt = (p: number, i: number) => `p${p}-r${i}-`.padEnd(VALUE_BYTES, '.');
const RECORDS = BATCH_RECORDS.reduce((a, b) => a + b, 0);

function fetchBody(offsets: number[], maxBytes: number) {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: TOPIC,
        partitions: offsets.map((offset, partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(offset),
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: maxBytes,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  } as never;
}

describe('fetch response size on the TLS listener', () => {
  let certs: TestCertificates;
  let fixture: BrokerFixture;

  before(async () => {
    certs = await testCertificates();
    fixture = await brokerFixture({
      tlsCertFile: certs.certFile,
      tlsKeyFile: certs.keyFile,
      plaintextPort: 0,
      tlsFetchMaxBytes: CAP,
      flush: 'os',
    });
    const producer = await RawClient.connect(fixture.broker.plaintextPort ?? 0);
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        let next = 0;
        for (const count of BATCH_RECORDS) {
          const records = encodeRecordBatch({
            records: Array.from({ length: count }, (_, k) => ({
              key: null,
              value: Buffer.from(valueAt(p, next + k)),
            })),
          });
          next += count;
          const res = await producer.request(0, 9, {
            transactionalId: null,
            acks: 1,
            timeoutMs: 5000,
            topicData: [{ name: TOPIC, partitionData: [{ index: p, records }] }],
          } as never);
          assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
        }
      }
    } finally {
      producer.close();
    }
  });
  after(async () => {
    await fixture?.stop();
    await certs?.remove();
  });

  it('never sends more than the cap over TLS, except one whole batch larger than it, and loses nothing', async () => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    try {
      const offsets = Array.from({ length: PARTITIONS }, () => 0);
      const values: string[][] = offsets.map(() => []);
      let responses = 0;
      let aloneOverCap = 0;
      while (offsets.some((o) => o < RECORDS)) {
        const res = await client.request(1, 12, fetchBody(offsets, 16 * 1024 * 1024));
        responses++;
        let bytes = 0;
        let batches = 0;
        for (const part of res.responses[0].partitions) {
          assert.equal(part.errorCode, 0);
          const records = part.records ?? Buffer.alloc(0);
          const decoded = decodeRecordBatches(records);
          const whole = decoded.reduce((n, b) => n + 12 + b.header.batchLength, 0);
          assert.equal(whole, records.length, 'only whole batches are sent');
          for (const b of decoded) {
            assert.equal(Number(b.header.baseOffset), offsets[part.partitionIndex], 'batches follow on');
            for (const r of b.records) values[part.partitionIndex].push(r.value?.toString() ?? '');
            offsets[part.partitionIndex] += b.records.length;
          }
          bytes += records.length;
          batches += decoded.length;
        }
        assert.ok(batches >= 1, 'every response holds at least one batch');
        if (bytes > CAP) {
          assert.equal(batches, 1, `a response of ${bytes} bytes holds one batch larger than the cap`);
          aloneOverCap++;
        }
      }
      assert.equal(aloneOverCap, PARTITIONS, 'the 150 KiB batch of each partition came alone');
      assert.ok(
        responses > (2 * PARTITIONS * RECORDS * VALUE_BYTES) / (3 * CAP),
        'the cap made responses small',
      );
      for (let p = 0; p < PARTITIONS; p++)
        assert.deepEqual(
          values[p],
          Array.from({ length: RECORDS }, (_, i) => valueAt(p, i)),
        );
    } finally {
      client.close();
    }
  });

  it('answers the plaintext listener up to fetchMaxBytes, beyond the TLS cap', async () => {
    const client = await RawClient.connect(fixture.broker.plaintextPort ?? 0);
    try {
      const res = await client.request(1, 12, fetchBody([0, 0], 16 * 1024 * 1024));
      const bytes = res.responses[0].partitions.reduce((n, p) => n + (p.records?.length ?? 0), 0);
      // Both partitions whole: about 2 × 314 KiB, under the 4 MiB default.
      assert.ok(bytes > 2 * RECORDS * VALUE_BYTES, `${bytes} bytes in one plaintext response`);
    } finally {
      client.close();
    }
  });

  it('lets a client asking for less than the cap get that (the smaller limit wins)', async () => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    try {
      const res = await client.request(1, 12, fetchBody([0, 0], 8 * 1024));
      const bytes = res.responses[0].partitions.reduce((n, p) => n + (p.records?.length ?? 0), 0);
      // The first batches are 1, 3 and 10 records: only the first two fit in 8 KiB.
      assert.ok(bytes > 0 && bytes <= 8 * 1024, `${bytes} bytes`);
    } finally {
      client.close();
    }
  });

  it('gives @platformatic/kafka over TLS every record in order', async () => {
    const consumer = new Consumer({
      clientId: 'tls-fetch-size',
      groupId: 'tls-fetch-size',
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      deserializers: stringDeserializers,
      maxWaitTime: 100,
    });
    try {
      const stream = await consumer.consume({ topics: [TOPIC], mode: 'earliest', autocommit: false });
      const values: string[][] = [[], []];
      let seen = 0;
      for await (const message of stream) {
        values[message.partition].push(message.value);
        if (++seen === PARTITIONS * RECORDS) break;
      }
      await stream.close();
      for (let p = 0; p < PARTITIONS; p++)
        assert.deepEqual(
          values[p],
          Array.from({ length: RECORDS }, (_, i) => valueAt(p, i)),
        );
    } finally {
      await consumer.close();
    }
  });

  it('gives kcat (librdkafka) over TLS every record in order', async () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const { code, stdout, stderr } = await kcat([
        '-b',
        fixture.broker.address,
        '-X',
        'security.protocol=SSL',
        '-X',
        `ssl.ca.location=${certs.caFile}`,
        '-C',
        '-t',
        TOPIC,
        '-p',
        String(p),
        '-o',
        'beginning',
        '-e',
        '-q',
      ]);
      assert.equal(code, 0, stderr);
      assert.deepEqual(
        stdout.trim().split('\n'),
        Array.from({ length: RECORDS }, (_, i) => valueAt(p, i)),
      );
    }
  });
});
