// The publisher's circuit breaker against a real outage: the broker stops, publishing fails until the
// circuit opens and then fails fast; a broker back on the same port closes the circuit again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { Type } from 'typebox';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { MessagingError } from '../../src/errors.ts';
import { createKafkaTransport } from '../../src/kafka/kafka-transport.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import type { CircuitStateName } from '../../src/producer/publish-policy.ts';
import { waitFor } from '../../src/testing/contract-fixture.ts';

const logger = pino({ level: 'silent' });

const PingSent = defineEvent({
  type: 'outage.ping.sent',
  version: 1,
  topic: 'outage-pings',
  key: 'pingId',
  schema: Type.Object({ pingId: Type.String() }),
});

function codeOf(err: unknown): string | undefined {
  return err instanceof MessagingError ? err.code : undefined;
}

describe('publisher circuit breaker with the broker down', () => {
  it('opens after consecutive failures, fails fast with CIRCUIT_OPEN, and closes when the broker is back', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-outage-'));
    let broker: Broker | undefined = await startBroker({ port: 0, dataDir, logger });
    const port = broker.port;
    const transport = createKafkaTransport({
      brokers: [broker.address],
      clientId: 'outage',
      requestTimeoutMs: 1_000,
      connectTimeoutMs: 300,
      clientRetries: 0,
      clientRetryDelayMs: 50,
    });
    const publisher = new EventPublisher({
      transport,
      source: '/outage-test',
      logger,
      resilience: {
        attempts: 2,
        initialDelayMs: 10,
        maxDelayMs: 50,
        attemptTimeoutMs: 1_500,
        breakAfter: 3,
        halfOpenAfterMs: 300,
      },
    });
    const states: CircuitStateName[] = [];
    publisher.on('circuit-state', (state) => states.push(state));
    t.after(async () => {
      await publisher.close();
      await transport.close();
      await broker?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    await transport.ensureTopics([{ topic: PingSent.topic, partitions: 1 }]);
    const before = await publisher.publishEvent(PingSent, { pingId: 'before' });
    assert.equal(publisher.state, 'closed');

    await broker.stop();
    broker = undefined;
    const failures: (string | undefined)[] = [];
    await waitFor(
      async () => {
        await publisher.publishEvent(PingSent, { pingId: 'during' }).then(
          () => assert.fail('a publish succeeded with the broker down'),
          (err: unknown) => failures.push(codeOf(err)),
        );
        return publisher.state === 'open';
      },
      'the circuit to open',
      20_000,
    );
    assert.ok(failures.length >= 1);
    for (const code of failures.slice(0, -1)) {
      assert.ok(code === 'PUBLISH_FAILED' || code === 'PUBLISH_TIMEOUT', `failure code ${code}`);
    }

    const started = performance.now();
    await assert.rejects(publisher.publishEvent(PingSent, { pingId: 'refused' }), (err: unknown) => {
      assert.equal(codeOf(err), 'CIRCUIT_OPEN');
      assert.equal((err as MessagingError).retriable, true);
      return true;
    });
    assert.ok(performance.now() - started < 100, 'refused without waiting for the broker');

    broker = await startBroker({ port, dataDir, logger });
    let after: { id: string } | undefined;
    await waitFor(
      async () => {
        after = await publisher.publishEvent(PingSent, { pingId: 'after' }).catch(() => undefined);
        return after !== undefined;
      },
      'a publish to succeed once the broker is back',
      20_000,
    );
    assert.equal(publisher.state, 'closed');
    assert.deepEqual(states.slice(0, 1), ['open']);
    assert.ok(states.includes('half-open'), `states went ${states.join(' -> ')}`);
    assert.equal(states.at(-1), 'closed');

    const ids = (await transport.readTopic(PingSent.topic)).map((r) => r.headers.ce_id);
    assert.ok(ids.includes(before.id), 'the event from before the outage is kept');
    assert.ok(ids.includes(after!.id), 'the event from after the outage is stored');
  });
});
