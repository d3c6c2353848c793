// Events numbered per aggregate for the integration tests: committed to the outbox as the services do
// (CloudEvents binary mode), read back from the broker, and checked for loss and per-aggregate order.
import assert from 'node:assert/strict';
import type { Database } from '@tributary/database';
import { Type } from 'typebox';
import { defineEvent } from '../../src/contracts/define-event.ts';
import { decodeEvent } from '../../src/envelope/cloud-event.ts';
import { toKafkaMessage } from '../../src/envelope/kafka-message.ts';
import { outbox } from '../../src/outbox/outbox.ts';
import type { TransportRecord } from '../../src/ports/transport.ts';

export const StepRecorded = defineEvent({
  type: 'integration.step.recorded',
  version: 1,
  topic: 'integration-steps',
  key: 'aggregateId',
  schema: Type.Object({ aggregateId: Type.String(), seq: Type.Integer({ minimum: 0 }) }),
});

export interface NumberedEvent {
  /** ce_id, what inboxes deduplicate on. */
  id: string;
  aggregateId: string;
  seq: number;
}

/**
 * Commits events `from` .. `from + count - 1` of every aggregate, one transaction each, aggregates taking
 * turns so their rows interleave in the table; returns them in commit order.
 */
export async function enqueueNumbered(
  db: Database,
  aggregates: readonly string[],
  from: number,
  count: number,
): Promise<NumberedEvent[]> {
  const committed: NumberedEvent[] = [];
  for (let seq = from; seq < from + count; seq += 1) {
    for (const aggregateId of aggregates) {
      const payload = { aggregateId, seq };
      const message = toKafkaMessage(StepRecorded, payload, { source: '/integration-test' });
      await db.transaction((tx) =>
        outbox.enqueue(tx, {
          aggregateType: 'step',
          aggregateId,
          topic: message.topic,
          key: message.key,
          eventType: StepRecorded.ceType,
          payload,
          headers: message.headers,
        }),
      );
      committed.push({ id: message.headers.ce_id!, aggregateId, seq });
    }
  }
  return committed;
}

export function decodeNumbered(records: readonly TransportRecord[]): NumberedEvent[] {
  return records.map((record) => {
    const envelope = decodeEvent(record);
    const { aggregateId, seq } = StepRecorded.validate(envelope.data);
    return { id: envelope.id, aggregateId, seq };
  });
}

/**
 * Asserts that `seen` holds every committed event and, per aggregate, meets them first in commit order
 * (a redelivered copy may come later: consumers drop it with their inbox).
 */
export function assertAllInOrderPerAggregate(
  seen: readonly NumberedEvent[],
  committed: readonly NumberedEvent[],
): void {
  const aggregates = new Set(committed.map((event) => event.aggregateId));
  for (const aggregateId of aggregates) {
    const firstSeen: string[] = [];
    for (const event of seen) {
      if (event.aggregateId === aggregateId && !firstSeen.includes(event.id)) firstSeen.push(event.id);
    }
    assert.deepEqual(
      firstSeen,
      committed.filter((event) => event.aggregateId === aggregateId).map((event) => event.id),
      `events of ${aggregateId}, in the order they were committed`,
    );
  }
  assert.equal(new Set(seen.map((event) => event.id)).size, committed.length, 'no unknown events');
}
