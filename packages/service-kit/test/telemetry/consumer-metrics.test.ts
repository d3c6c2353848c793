// What a service's `/metrics` says about the messages its consumer runner handled, with the SDK as a service
// starts it: counts by outcome (the consumed-messages counter is tallied in process and read at the scrape)
// and one processing-duration sample per message.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ConsumerRunner, createEventRegistry, defineEvent, EventPublisher } from '@tributary/messaging';
import { createInMemoryTransport, PermanentTestError, waitFor } from '@tributary/messaging/testing';
import { Type } from 'typebox';
import { startTelemetry } from '../../src/telemetry/start-telemetry.ts';

const Ticked = defineEvent({
  type: 'test.ticked',
  version: 1,
  topic: 'ticks',
  key: 'id',
  schema: Type.Object({ id: Type.String(), n: Type.Integer() }),
});
const registry = createEventRegistry([Ticked]);

/** The value of the sample of `name` whose labels include `labels` (0 when there is none). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) return Number(value);
  }
  return 0;
}

describe('consumer metrics', () => {
  it('counts handled and dead-lettered messages by outcome and error type, and times each one', async () => {
    const telemetry = await startTelemetry({ serviceName: 'consumer-metrics-test' });
    const transport = createInMemoryTransport();
    const publisher = new EventPublisher({ transport, source: '/test', registry });
    const runner = new ConsumerRunner({ transport, group: 'tickers', registry });
    after(async () => {
      await runner.stop();
      await publisher.close();
      await transport.close();
      await telemetry.shutdown();
    });
    let seen = 0;
    runner.subscribe(Ticked, async (event) => {
      seen += 1;
      if (event.data.n % 3 === 0) throw new PermanentTestError(`tick ${event.data.n} is refused`);
    });
    await runner.start();
    for (let n = 1; n <= 6; n++) await publisher.publishEvent(Ticked, { id: `t-${n % 2}`, n });

    const consumed = (labels: Record<string, string>) =>
      telemetry.scrape().then((text) =>
        sample(text, 'messaging_client_consumed_messages_total', {
          messaging_destination_name: 'ticks',
          ...labels,
        }),
      );
    await waitFor(
      async () => seen === 6 && (await consumed({ tributary_outcome: 'handled' })) === 4,
      'four handled',
    );
    await waitFor(
      async () =>
        (await consumed({ tributary_outcome: 'dead-lettered', error_type: 'TEST_PERMANENT' })) === 2,
      'two dead-lettered with their error type',
    );
    const text = await telemetry.scrape();
    assert.equal(
      sample(text, 'messaging_client_consumed_messages_total', {
        messaging_consumer_group_name: 'tickers',
        messaging_system: 'kafka',
        tributary_outcome: 'handled',
      }),
      4,
    );
    const timed =
      sample(text, 'messaging_process_duration_seconds_count', { tributary_outcome: 'handled' }) +
      sample(text, 'messaging_process_duration_seconds_count', { tributary_outcome: 'dead-lettered' });
    assert.equal(timed, 6, 'one processing-duration sample per message');
  });
});
