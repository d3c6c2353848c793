// The broker's connection limits: a bad or greedy client loses its own connection, and a well-behaved
// client on another connection keeps producing and fetching throughout.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { decodeRecordBatches, encodeRequest, type RequestBodies } from '@tributary/kafka-protocol';
import { pino } from 'pino';
import type { StartBrokerOptions } from '../../src/index.ts';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import { batch, createTopicsBody, fetchBody, produceBody } from './wire-requests.ts';

interface LoggedBroker extends BrokerFixture {
  /** The `msg` of every log line the broker wrote at warn level or above. */
  warnings: string[];
}

async function startBroker(t: TestContext, options: StartBrokerOptions): Promise<LoggedBroker> {
  let fixture: BrokerFixture | undefined;
  t.after(() => fixture?.stop());
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => warnings.push((JSON.parse(line) as { msg: string }).msg) },
  );
  fixture = await brokerFixture({ ...options, logger });
  return Object.assign(fixture, { warnings });
}

/** A raw connection closed when the test ends. */
async function open(t: TestContext, fixture: BrokerFixture): Promise<RawClient> {
  const client = await RawClient.connect(fixture.broker.port);
  t.after(() => client.close());
  return client;
}

/** Produces one record and reads it back: what a well-behaved client expects to keep working. */
async function assertServed(client: RawClient, topic: string, value: string): Promise<void> {
  const produced = await client.request(0, 9, produceBody(topic, [{ index: 0, records: batch([value]) }], 1));
  const result = produced.responses[0].partitionResponses[0];
  assert.equal(result.errorCode, 0, `produce of ${value} succeeded`);
  // Waits for the record to become visible (the high watermark follows the flush policy).
  const fetched = await client.request(1, 12, fetchBody(topic, 0, result.baseOffset, 10_000));
  const records = decodeRecordBatches(fetched.responses[0].partitions[0].records ?? Buffer.alloc(0));
  assert.equal(records[0]?.records[0]?.value?.toString(), value, `${value} was fetched back`);
}

async function wellBehaved(t: TestContext, fixture: BrokerFixture, topic: string): Promise<RawClient> {
  const client = await open(t, fixture);
  const created = await client.request(19, 7, createTopicsBody(topic, 1));
  assert.equal(created.topics[0].errorCode, 0);
  await assertServed(client, topic, 'first');
  return client;
}

/** Whether the broker still answers on this connection. */
async function answers(client: RawClient): Promise<boolean> {
  try {
    const r = await client.request(18, 3, { clientSoftwareName: 'limits', clientSoftwareVersion: '1' });
    return r.errorCode === 0;
  } catch {
    return false;
  }
}

/** The first `bytes` bytes of a Produce frame whose whole size is `size` (so it stays incomplete). */
function partialProduceFrame(topic: string, size: number, bytes: number): Buffer {
  const body: RequestBodies[0] = produceBody(topic, [{ index: 0, records: Buffer.alloc(size - 100) }], 1);
  const frame = encodeRequest(0, 9, { correlationId: 1, clientId: 'greedy' }, body);
  return frame.subarray(0, bytes);
}

describe('connection limits', () => {
  it('closes connections beyond maxConnections and keeps serving the others', async (t) => {
    const fixture = await startBroker(t, { maxConnections: 3 });
    const client = await wellBehaved(t, fixture, 'max-connections');
    const others = [await open(t, fixture), await open(t, fixture)];
    for (const o of others) assert.ok(await answers(o));
    const refused = await open(t, fixture);
    assert.ok(await refused.waitClosed(10_000), 'the fourth connection is closed by the broker');
    assert.ok(fixture.warnings.includes('refusing connection: maxConnections reached'), 'and logged');
    await assertServed(client, 'max-connections', 'while full');
    for (const o of others) assert.ok(await answers(o), 'connections within the limit stay open');
    others[0].close();
    // Once one leaves, a new connection is served again.
    await eventually(async () => answers(await open(t, fixture)), 10_000, 'a connection to be accepted');
    await assertServed(client, 'max-connections', 'after');
  });

  it('closes a connection idle for connectionIdleTimeoutMs, not one waiting on a long-poll', async (t) => {
    const fixture = await startBroker(t, { connectionIdleTimeoutMs: 1000 });
    const client = await wellBehaved(t, fixture, 'idle');
    await client.request(19, 7, createTopicsBody('idle-poll', 1));
    const poller = await open(t, fixture);
    const idle = await open(t, fixture);
    assert.ok(await answers(idle));
    // A fetch waiting 3 s on an empty partition is in flight, so its connection is not idle meanwhile.
    let polling = true;
    const poll = poller.request(1, 12, fetchBody('idle-poll', 0, 0n, 3000)).finally(() => {
      polling = false;
    });
    // The well-behaved client keeps producing and fetching all along, so it never idles.
    const deadline = Date.now() + 20_000;
    for (let i = 0; polling || !idle.closed; i++) {
      assert.ok(Date.now() < deadline, 'the idle connection is closed within 20 s');
      await assertServed(client, 'idle', `busy-${i}`);
    }
    const polled = await poll;
    assert.equal(polled.responses[0].partitions[0].errorCode, 0);
    assert.equal(poller.closed, false, 'a connection waiting on its request is not idle');
    await assertServed(client, 'idle', 'still served');
  });

  it('closes a connection whose started request does not arrive whole within frameTimeoutMs', async (t) => {
    const fixture = await startBroker(t, { frameTimeoutMs: 300 });
    const client = await wellBehaved(t, fixture, 'slow-frame');
    const slow = await open(t, fixture);
    // A slowloris: a frame that trickles in a byte at a time, never complete.
    const partial = partialProduceFrame('slow-frame', 10_000, 5_000);
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < partial.length) slow.writeRaw(partial.subarray(sent, ++sent));
    }, 20);
    t.after(() => clearInterval(trickle));
    await assertServed(client, 'slow-frame', 'during the trickle');
    assert.ok(await slow.waitClosed(10_000), 'the slow connection is closed');
    assert.ok(fixture.warnings.some((m) => m.includes('did not arrive whole within frameTimeoutMs')));
    clearInterval(trickle);
    await assertServed(client, 'slow-frame', 'after');
  });

  it('closes the connection holding the largest partial request when partial requests exceed maxBufferedBytes', async (t) => {
    const MiB = 1024 * 1024;
    const fixture = await startBroker(t, {
      maxFrameBytes: 2 * MiB,
      maxMessageBytes: 2 * MiB,
      maxBufferedBytes: 3 * MiB,
    });
    const client = await wellBehaved(t, fixture, 'greedy');
    const big = await open(t, fixture);
    const medium = await open(t, fixture);
    big.writeRaw(partialProduceFrame('greedy', 2 * MiB, 1.5 * MiB));
    medium.writeRaw(partialProduceFrame('greedy', 2 * MiB, 1.2 * MiB));
    await assertServed(client, 'greedy', 'below the budget');
    assert.ok(await answers(client));
    assert.equal(big.closed || medium.closed, false, 'both fit in the budget');
    // 0.5 MiB more goes over 3 MiB: the connection with 1.5 MiB goes, the others stay.
    const third = await open(t, fixture);
    third.writeRaw(partialProduceFrame('greedy', 2 * MiB, 0.5 * MiB));
    assert.ok(await big.waitClosed(10_000), 'the largest holder is closed');
    assert.ok(fixture.warnings.some((m) => m.includes('partial requests over maxBufferedBytes')));
    assert.equal(medium.closed, false);
    assert.equal(third.closed, false);
    await assertServed(client, 'greedy', 'after the eviction');
    // A complete request as large as a frame may be still fits once the greedy ones are gone.
    medium.close();
    third.close();
    await eventually(
      async () => {
        const r = await open(t, fixture);
        const value = Buffer.alloc(Math.floor(1.8 * MiB), 7);
        const produced = await r
          .request(0, 9, produceBody('greedy', [{ index: 0, records: batch([value.toString('latin1')]) }], 1))
          .catch(() => undefined);
        return produced?.responses[0].partitionResponses[0].errorCode === 0;
      },
      10_000,
      'a 1.8 MiB produce to be accepted',
    );
  });
});
