// Every version of every admin API the broker advertises is answered, on the wire, with a well-formed
// response carrying Kafka's error code: clients pick the highest version both sides speak, so an older
// client (librdkafka, kafka-python, an older Java AdminClient) lands on versions the interop tests miss.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestBodies, ResponseBodies } from '@tributary/kafka-protocol';
import { createTopicsBody } from '../server/wire-requests.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';

type Key = keyof RequestBodies & keyof ResponseBodies;

interface Case<K extends Key> {
  apiKey: K;
  body: RequestBodies[K];
  /** The error codes the response carries, in order. */
  errors: (response: ResponseBodies[K]) => number[];
  expected: number[];
}

const cases = [
  {
    apiKey: 32,
    body: {
      resources: [
        { resourceType: 2, resourceName: 'v-topic', configurationKeys: ['retention.ms'] },
        { resourceType: 2, resourceName: 'v-missing', configurationKeys: null },
        { resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] },
      ],
      includeSynonyms: true,
      includeDocumentation: true,
    },
    errors: (r) => r.results.map((x) => x.errorCode),
    expected: [0, 3, 0],
  } satisfies Case<32>,
  {
    apiKey: 33,
    body: {
      resources: [
        { resourceType: 2, resourceName: 'v-topic', configs: [{ name: 'retention.ms', value: '60000' }] },
        { resourceType: 2, resourceName: 'v-topic', configs: [{ name: 'retention.ms', value: 'x' }] },
        { resourceType: 16, resourceName: 'x', configs: [] },
      ],
      validateOnly: true,
    },
    errors: (r) => r.responses.map((x) => x.errorCode),
    expected: [0, 40, 42],
  } satisfies Case<33>,
  {
    apiKey: 44,
    body: {
      resources: [
        {
          resourceType: 2,
          resourceName: 'v-topic',
          configs: [{ name: 'segment.bytes', configOperation: 0, value: '65536' }],
        },
        {
          resourceType: 2,
          resourceName: 'v-topic',
          configs: [
            { name: 'segment.bytes', configOperation: 0, value: '65536' },
            { name: 'segment.bytes', configOperation: 1, value: null },
          ],
        },
        {
          resourceType: 4,
          resourceName: '1',
          configs: [{ name: 'num.partitions', configOperation: 0, value: '1' }],
        },
      ],
      validateOnly: true,
    },
    errors: (r) => r.responses.map((x) => x.errorCode),
    expected: [0, 42, 40],
  } satisfies Case<44>,
  {
    apiKey: 37,
    body: {
      topics: [
        { name: 'v-topic', count: 4, assignments: null },
        { name: 'v-topic-2', count: 1, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: true,
    },
    errors: (r) => r.results.map((x) => x.errorCode),
    expected: [0, 3],
  } satisfies Case<37>,
  {
    apiKey: 21,
    body: {
      topics: [
        {
          name: 'v-topic',
          partitions: [
            { partitionIndex: 0, offset: 0n },
            { partitionIndex: 9, offset: 0n },
          ],
        },
      ],
      timeoutMs: 5000,
    },
    errors: (r) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)),
    expected: [0, 3],
  } satisfies Case<21>,
  {
    apiKey: 42,
    body: { groupsNames: ['v-no-group', ''] },
    errors: (r) => r.results.map((x) => x.errorCode),
    expected: [69, 24],
  } satisfies Case<42>,
  {
    apiKey: 47,
    body: { groupId: 'v-no-group', topics: [{ name: 'v-topic', partitions: [{ partitionIndex: 0 }] }] },
    errors: (r) => [r.errorCode],
    expected: [69],
  } satisfies Case<47>,
  {
    apiKey: 60,
    body: { includeClusterAuthorizedOperations: false, endpointType: 1 },
    errors: (r) => [r.errorCode],
    expected: [0],
  } satisfies Case<60>,
  {
    apiKey: 24,
    body: {
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: 0n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 'v-topic', partitions: [0] }],
    },
    errors: (r) =>
      r.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => p.partitionErrorCode)),
    expected: [53],
  } satisfies Case<24>,
];

describe('admin API versions on the wire', () => {
  let fixture: BrokerFixture;
  let client: RawClient;
  let advertised: Map<number, { min: number; max: number }>;
  before(async () => {
    fixture = await brokerFixture();
    client = await RawClient.connect(fixture.broker.port);
    const created = await client.request(19, 7, createTopicsBody('v-topic', 2));
    assert.equal(created.topics[0].errorCode, 0);
    const versions = await client.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    advertised = new Map(versions.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
  });
  after(async () => {
    client?.close();
    await fixture?.stop();
  });

  for (const c of cases) {
    it(`answers API ${c.apiKey} at every advertised version with Kafka's error codes`, async () => {
      const range = advertised.get(c.apiKey);
      assert.ok(range, `API ${c.apiKey} is advertised`);
      for (let version = range.min; version <= range.max; version++) {
        // biome-ignore lint/suspicious/noExplicitAny: each case pairs its body and reader by API key
        const response = await client.request(c.apiKey as any, version, c.body as any);
        // biome-ignore lint/suspicious/noExplicitAny: as above
        assert.deepEqual((c.errors as (r: any) => number[])(response), c.expected, `v${version}`);
      }
    });
  }
});
