// The publisher's resilience on the in-memory transport: retries with backoff, per-attempt timeout,
// circuit breaker (open, fail fast, half-open probe, recovery) and validation before anything is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { createEventRegistry } from '../../src/contracts/event-registry.ts';
import { createEvent } from '../../src/envelope/cloud-event.ts';
import { MessagingError } from '../../src/errors.ts';
import type { Publisher, RawMessage } from '../../src/ports/transport.ts';
import { EventPublisher } from '../../src/producer/event-publisher.ts';
import type { CircuitStateName } from '../../src/producer/publish-policy.ts';
import { waitFor } from '../../src/testing/contract-fixture.ts';
import { createInMemoryTransport } from '../../src/testing/in-memory-transport.ts';

const NoteTaken = defineEvent({
  type: 'test.note.taken',
  version: 1,
  topic: 'notes',
  key: 'noteId',
  schema: Type.Object({ noteId: Type.String({ minLength: 1 }), text: Type.String() }),
});

/** Counts what reaches the transport. */
class CountingPublisher implements Publisher {
  calls = 0;
  readonly #inner: Publisher;
  constructor(inner: Publisher) {
    this.#inner = inner;
  }
  publishRaw(message: RawMessage): Promise<void> {
    this.calls++;
    return this.#inner.publishRaw(message);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    assert.ok(err instanceof MessagingError, `a MessagingError, got ${String(err)}`);
    return err.code;
  }
}

function setup(resilience: ConstructorParameters<typeof EventPublisher>[0]['resilience']) {
  const transport = createInMemoryTransport();
  const raw = new CountingPublisher(transport.createPublisher());
  const publisher = new EventPublisher({ publisher: raw, source: '/test', resilience });
  const states: CircuitStateName[] = [];
  publisher.on('circuit-state', (s) => states.push(s));
  const send = (noteId = 'n1') => publisher.publishEvent(NoteTaken, { noteId, text: 'hello' });
  return { transport, raw, publisher, states, send };
}

describe('EventPublisher', () => {
  it('retries a failed publish with backoff and succeeds once the transport is back', async () => {
    const { transport, raw, send } = setup({ attempts: 3, initialDelayMs: 1, maxDelayMs: 5 });
    let failures = 2;
    const original = raw.publishRaw.bind(raw);
    raw.publishRaw = async (message) => {
      transport.faults.unavailable = failures-- > 0;
      return original(message);
    };
    await send();
    assert.equal(raw.calls, 3);
    assert.equal((await transport.readTopic('notes')).length, 1, 'published once');
  });

  it('gives up after the configured attempts with PUBLISH_FAILED, and times out slow attempts with PUBLISH_TIMEOUT', async () => {
    const failing = setup({ attempts: 2, initialDelayMs: 1, maxDelayMs: 2, breakAfter: 10 });
    failing.transport.faults.unavailable = true;
    assert.equal(await codeOf(failing.send()), 'PUBLISH_FAILED');
    assert.equal(failing.raw.calls, 2);

    const slow = setup({
      attempts: 2,
      initialDelayMs: 1,
      maxDelayMs: 2,
      attemptTimeoutMs: 20,
      breakAfter: 10,
    });
    slow.transport.faults.publishLatencyMs = 300;
    const started = performance.now();
    assert.equal(await codeOf(slow.send()), 'PUBLISH_TIMEOUT');
    assert.ok(performance.now() - started < 250, 'each attempt was cut at its timeout');
  });

  it('opens the circuit after repeated failures, fails fast with CIRCUIT_OPEN, probes half-open and recovers', async () => {
    const { transport, raw, publisher, states, send } = setup({
      attempts: 1,
      breakAfter: 3,
      halfOpenAfterMs: 40,
    });
    assert.equal(publisher.state, 'closed');
    transport.faults.unavailable = true;
    for (let i = 0; i < 3; i++) assert.equal(await codeOf(send()), 'PUBLISH_FAILED');
    assert.equal(publisher.state, 'open');
    assert.deepEqual(states, ['open']);

    const callsWhenOpened = raw.calls;
    const started = performance.now();
    assert.equal(await codeOf(send()), 'CIRCUIT_OPEN');
    assert.ok(performance.now() - started < 20, 'fails fast');
    assert.equal(raw.calls, callsWhenOpened, 'the transport was not touched');

    // The probe after halfOpenAfter fails while the transport is still down: open again.
    await waitFor(async () => (await codeOf(send())) !== 'CIRCUIT_OPEN', 'the half-open probe');
    assert.equal(raw.calls, callsWhenOpened + 1, 'a single probe went through');
    assert.deepEqual(states, ['open', 'half-open', 'open']);

    transport.faults.unavailable = false;
    await waitFor(async () => (await codeOf(send('n2'))) === undefined, 'recovery');
    assert.equal(publisher.state, 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'open', 'half-open', 'closed']);
    assert.deepEqual(
      (await transport.readTopic('notes')).map((r) => r.key),
      ['n2'],
    );
  });

  it('validates payloads before sending: SCHEMA_INVALID, and unknown types with a registry', async () => {
    const { raw, publisher } = setup({});
    assert.equal(
      await codeOf(publisher.publishEvent(NoteTaken, { noteId: '', text: 'x' })),
      'SCHEMA_INVALID',
    );
    const guarded = new EventPublisher({ publisher: raw, registry: createEventRegistry([NoteTaken]) });
    const event = createEvent(NoteTaken, { noteId: 'n1', text: 'x' });
    assert.equal(await codeOf(guarded.publish({ ...event, data: { noteId: 'n1' } })), 'SCHEMA_INVALID');
    assert.equal(
      await codeOf(guarded.publish({ ...event, type: 'tributary.test.other.v1' })),
      'UNKNOWN_EVENT_TYPE',
    );
    assert.equal(raw.calls, 0);
  });
});
