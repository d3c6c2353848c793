// Interop with kcat (librdkafka, the C client behind confluent-kafka-*), started as a real process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { kcat } from '../support/kcat.ts';

describe('kcat (librdkafka) against the broker', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture();
  });
  after(() => fixture.stop());

  it('lists metadata', async () => {
    const { code, stdout } = await kcat(['-b', fixture.broker.address, '-L', '-J']);
    assert.equal(code, 0);
    const meta = JSON.parse(stdout) as { brokers: { id: number; name: string }[] };
    assert.equal(meta.brokers.length, 1);
    assert.equal(meta.brokers[0].name, fixture.broker.address);
  });

  it('produces keyed records with headers idempotently and with gzip, then consumes them all in order', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `key${i % 7}:value-${i}`).join('\n');
    const produced = await kcat(
      [
        '-b',
        fixture.broker.address,
        '-P',
        '-t',
        'kcat-topic',
        '-K',
        ':',
        '-H',
        'origin=kcat',
        '-X',
        'enable.idempotence=true',
        '-X',
        'compression.codec=gzip',
        '-X',
        'topic.partitioner=murmur2_random',
      ],
      `${lines}\n`,
    );
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await kcat([
      '-b',
      fixture.broker.address,
      '-C',
      '-t',
      'kcat-topic',
      '-o',
      'beginning',
      '-e',
      '-J',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    const records = consumed.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            partition: number;
            offset: number;
            key: string;
            payload: string;
            headers?: string[];
          },
      );
    assert.equal(records.length, 2000);
    const lastByKey = new Map<string, number>();
    for (const r of records) {
      const n = Number(r.payload.slice('value-'.length));
      assert.ok((lastByKey.get(r.key) ?? -1) < n, 'per-key order kept');
      lastByKey.set(r.key, n);
      assert.deepEqual(r.headers, ['origin', 'kcat']);
    }
    assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'spread over partitions');
  });

  it('consumes with a consumer group and commits offsets that a second run resumes from', async () => {
    const input = Array.from({ length: 300 }, (_, i) => `g${i}`).join('\n');
    assert.equal(
      (await kcat(['-b', fixture.broker.address, '-P', '-t', 'kcat-group-topic'], `${input}\n`)).code,
      0,
    );
    const group = [
      '-b',
      fixture.broker.address,
      '-G',
      'kcat-group',
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'enable.auto.commit=true',
      '-X',
      'auto.commit.interval.ms=100',
      '-e',
      'kcat-group-topic',
    ];
    const first = await kcat([...group.slice(0, -2), '-c', '300', 'kcat-group-topic']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split('\n').length, 300);
    assert.equal(
      (await kcat(['-b', fixture.broker.address, '-P', '-t', 'kcat-group-topic'], 'late-1\nlate-2\n')).code,
      0,
    );
    const second = await kcat([...group.slice(0, -2), '-c', '2', 'kcat-group-topic']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.stdout.trim().split('\n').sort(), ['late-1', 'late-2']);
  });
});
