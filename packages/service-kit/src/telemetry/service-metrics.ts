// Gauges of a service's messaging parts, read when Prometheus scrapes: outbox backlog and age, consumer lag
// per topic-partition, circuit breaker state. Labels are topics, partitions, groups and states only.
import { metrics, type ObservableResult } from '@opentelemetry/api';
import type { CircuitStateName, PartitionLag } from '@tributary/messaging';

export interface ObservedMessaging {
  relay?: { pendingCount(): Promise<number>; oldestUnpublishedAgeMs(): Promise<number> };
  runner?: { readonly group: string; lag(): Promise<PartitionLag[]> };
  publisher?: { readonly state: CircuitStateName };
}

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'half-open', 'open'];

/** Registers the gauges of the given parts; made after the process registered its SDK. */
export function observeMessaging(parts: ObservedMessaging): void {
  const meter = metrics.getMeter('@tributary/service-kit');
  const { relay, runner, publisher } = parts;
  if (relay !== undefined) {
    const pending = meter.createObservableGauge('tributary.outbox.pending', {
      description: 'Outbox rows not published yet',
      unit: '{message}',
    });
    const age = meter.createObservableGauge('tributary.outbox.oldest_age', {
      description: 'Age of the oldest unpublished outbox row (0 when none)',
      unit: 's',
    });
    meter.addBatchObservableCallback(
      async (result) => {
        // A database that does not answer leaves these series out of the scrape instead of failing it.
        const [count, ageMs] = await Promise.all([relay.pendingCount(), relay.oldestUnpublishedAgeMs()]);
        result.observe(pending, count);
        result.observe(age, ageMs / 1000);
      },
      [pending, age],
    );
  }
  if (runner !== undefined) {
    const lag = meter.createObservableGauge('messaging.kafka.consumer.lag', {
      description: 'Records past the consumer group committed offset, per assigned topic-partition',
      unit: '{message}',
    });
    lag.addCallback(async (result: ObservableResult) => {
      for (const partition of await runner.lag()) {
        result.observe(Number(partition.lag), {
          'messaging.system': 'kafka',
          'messaging.consumer.group.name': runner.group,
          'messaging.destination.name': partition.topic,
          'messaging.destination.partition.id': String(partition.partition),
        });
      }
    });
  }
  if (publisher !== undefined) {
    const circuit = meter.createObservableGauge('tributary.messaging.circuit.state', {
      description: 'Circuit breaker of the publisher: 1 for the state it is in, 0 for the others',
    });
    circuit.addCallback((result) => {
      const current = publisher.state;
      for (const state of CIRCUIT_STATES) result.observe(state === current ? 1 : 0, { state });
    });
  }
}
