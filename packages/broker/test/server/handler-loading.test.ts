// A handler's code is loaded when its API is first requested: the first requests of a new broker, pipelined
// on one connection and racing on several, are each answered once, in order, as if every handler were loaded.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeRecordBatches, type ResponseBodies } from '@tributary/kafka-protocol';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import { batch, createTopicsBody, fetchBody, pipeline, produceBody, wire } from './wire-requests.ts';

describe('handlers loaded on first use', () => {
  let fixture: BrokerFixture;
  const clients: RawClient[] = [];
  const connect = async () => {
    const client = await RawClient.connect(fixture.broker.port);
    clients.push(client);
    return client;
  };
  before(async () => {
    fixture = await brokerFixture({ flush: 'os' });
  });
  after(async () => {
    for (const c of clients) c.close();
    await fixture?.stop();
  });

  it('answers the first request of each API in order when they arrive back to back', async () => {
    const client = await connect();
    const [versions, created, metadata, produced, fetched] = (await pipeline(client, [
      wire(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }),
      wire(19, 7, createTopicsBody('first-use', 1)),
      wire(3, 12, {
        topics: null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
      wire(0, 9, produceBody('first-use', [{ index: 0, records: batch(['one', 'two']) }])),
      wire(1, 12, fetchBody('first-use', 0, 0n)),
    ])) as [ResponseBodies[18], ResponseBodies[19], ResponseBodies[3], ResponseBodies[0], ResponseBodies[1]];
    assert.equal(versions.errorCode, 0);
    // Advertised before any of those handlers ran: the whole table, with the schemas' versions.
    assert.deepEqual(
      versions.apiKeys.find((k) => k.apiKey === 1),
      { apiKey: 1, minVersion: 4, maxVersion: 12 },
    );
    assert.ok(versions.apiKeys.length >= 30, `${versions.apiKeys.length} APIs advertised`);
    assert.equal(created.topics[0].errorCode, 0);
    assert.deepEqual(
      metadata.topics.map((t) => t.name),
      ['first-use'],
    );
    assert.equal(produced.responses[0].partitionResponses[0].errorCode, 0);
    const records = decodeRecordBatches(fetched.responses[0].partitions[0].records ?? Buffer.alloc(0));
    assert.deepEqual(
      records.flatMap((b) => b.records.map((r) => r.value?.toString())),
      ['one', 'two'],
    );
  });

  it('answers every connection whose first request of an API arrives while that handler loads', async () => {
    const racing = await Promise.all(Array.from({ length: 4 }, () => connect()));
    const answers = await Promise.all(racing.map((client) => client.request(16, 4, { statesFilter: [] })));
    for (const answer of answers) assert.equal(answer.errorCode, 0);
  });
});
