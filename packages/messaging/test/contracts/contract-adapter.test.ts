// Contracts defined outside the messaging package (validate returns a result) work with the registry,
// the publisher and the consumer runner.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { ConsumerRunner } from '../../src/consumer/consumer-runner.ts';
import { type ContractDefinition, fromContract } from '../../src/contracts/contract-adapter.ts';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { createEventRegistry } from '../../src/contracts/event-registry.ts';
import { Headers } from '../../src/envelope/cloud-event.ts';
import { MessagingArgumentError, SchemaInvalidError } from '../../src/errors.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import { RetryHeaders } from '../../src/retry/retry-headers.ts';
import { deadLetterTopicOf } from '../../src/retry/retry-topics.ts';
import { waitFor } from '../../src/testing/contract-fixture.ts';
import { createInMemoryTransport } from '../../src/testing/in-memory-transport.ts';
import { ManualClock } from '../../src/testing/manual-clock.ts';

interface OrderPlaced {
  orderId: string;
  total: number;
}

function orderPlacedContract(topic: string): ContractDefinition<OrderPlaced> {
  return {
    ceType: 'tributary.order.placed.v1',
    topic,
    keyOf: (p) => p.orderId,
    validate(payload) {
      const p = payload as Partial<OrderPlaced> | null;
      const errors: { path: string; message: string }[] = [];
      if (typeof p?.orderId !== 'string' || p.orderId === '')
        errors.push({ path: '/orderId', message: 'must be a non-empty string' });
      if (typeof p?.total !== 'number' || p.total < 0)
        errors.push({ path: '/total', message: 'must be a number >= 0' });
      return errors.length === 0 ? { ok: true, value: p as OrderPlaced } : { ok: false, errors };
    },
  };
}

describe('fromContract', () => {
  it('turns a contract into a definition that validates by throwing SCHEMA_INVALID with the issues', () => {
    const definition = fromContract(orderPlacedContract('orders'));
    assert.equal(definition.type, 'order.placed');
    assert.equal(definition.version, 1);
    assert.equal(definition.ceType, 'tributary.order.placed.v1');
    assert.equal(definition.topic, 'orders');
    assert.deepEqual(definition.validate({ orderId: 'o-1', total: 3 }), { orderId: 'o-1', total: 3 });
    assert.equal(definition.check({ orderId: 'o-1', total: -1 }), false);
    assert.throws(
      () => definition.validate({ orderId: '', total: -1 }),
      (err: unknown) =>
        err instanceof SchemaInvalidError &&
        err.code === 'SCHEMA_INVALID' &&
        err.retriable === false &&
        err.issues.map((i) => i.path).join(',') === '/orderId,/total',
    );
    assert.equal(definition.keyOf({ orderId: 'o-9', total: 1 }), 'o-9');
  });

  it('gives the same definition for the same contract and passes its own definitions through', () => {
    const contract = orderPlacedContract('orders');
    assert.equal(fromContract(contract), fromContract(contract));
    const own = defineEvent({
      type: 'user.registered',
      version: 1,
      topic: 'users',
      key: 'userId',
      schema: Type.Object({ userId: Type.String() }),
    });
    assert.equal(fromContract(own), own);
  });

  it('rejects a contract whose ceType is not a versioned tributary type', () => {
    assert.throws(
      () => fromContract({ ...orderPlacedContract('orders'), ceType: 'order-placed' }),
      MessagingArgumentError,
    );
  });

  it('publishes and consumes through the runner, and dead-letters a payload the contract rejects', async (t) => {
    const clock = new ManualClock();
    const transport = createInMemoryTransport({ clock });
    const topic = `orders-${randomUUID().slice(0, 8)}`;
    const group = 'billing';
    const definition = fromContract(orderPlacedContract(topic));
    const registry = createEventRegistry([definition]);
    const publisher = new EventPublisher({ transport, registry, source: '/order-service' });
    const runner = new ConsumerRunner({ transport, group, registry, clock });
    t.after(async () => {
      await runner.stop();
      await publisher.close();
      await transport.close();
    });
    const seen: OrderPlaced[] = [];
    runner.subscribe(definition, (event) => {
      seen.push(event.data as OrderPlaced);
    });
    await runner.start();

    await assert.rejects(
      publisher.publishEvent(definition, { orderId: 'o-0', total: -5 }),
      (err: unknown) => err instanceof SchemaInvalidError,
    );
    const raw = transport.createPublisher();
    await raw.publishRaw({
      topic,
      key: 'o-1',
      value: Buffer.from(JSON.stringify({ orderId: 'o-1', total: 'lots' })),
      headers: {
        [Headers.id]: 'bad-total',
        [Headers.type]: definition.ceType,
        [Headers.source]: '/elsewhere',
        [Headers.specversion]: '1.0',
        [Headers.contentType]: 'application/json',
      },
    });
    await publisher.publishEvent(definition, { orderId: 'o-1', total: 12 });
    await waitFor(() => seen.length === 1, 'the valid event');
    assert.deepEqual(seen, [{ orderId: 'o-1', total: 12 }]);
    const dead = await transport.readTopic(deadLetterTopicOf(topic, group));
    assert.deepEqual(
      dead.map((r) => [r.headers[Headers.id], r.headers[RetryHeaders.errorCode]]),
      [['bad-total', 'SCHEMA_INVALID']],
    );
    assert.match(dead[0].headers[RetryHeaders.errorMessage], /\/total must be a number/);
  });
});
