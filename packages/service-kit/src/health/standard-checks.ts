// Checks every service needs. The database is required (no API without it); the broker, the publisher's
// circuit breaker and the outbox's age only degrade the service: writes still land in the outbox.
import type { ReadinessCheck } from './readiness.ts';

export function databaseCheck(db: { query(sql: string): Promise<unknown> }): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      await db.query('SELECT 1');
      return { ok: true };
    },
  };
}

/** A metadata round trip: fails (or times out) while the broker is unreachable. */
export function brokerCheck(
  transport: { partitionCount(topic: string): Promise<unknown> },
  topic: string,
): ReadinessCheck {
  return {
    name: 'broker',
    required: false,
    check: async () => {
      try {
        await transport.partitionCount(topic);
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      }
    },
  };
}

export function circuitBreakerCheck(publisher: { readonly state: string }): ReadinessCheck {
  return {
    name: 'circuit-breaker',
    required: false,
    check: async () =>
      publisher.state === 'closed'
        ? { ok: true }
        : { ok: false, detail: `publisher circuit is ${publisher.state}` },
  };
}

/** Degraded while the oldest unpublished outbox row is older than `maxAgeMs` (default 60 s). */
export function outboxCheck(
  relay: { oldestUnpublishedAgeMs(): Promise<number> },
  maxAgeMs = 60_000,
): ReadinessCheck {
  return {
    name: 'outbox',
    required: false,
    check: async () => {
      const age = await relay.oldestUnpublishedAgeMs();
      return age < maxAgeMs
        ? { ok: true }
        : { ok: false, detail: `oldest unpublished event is ${Math.round(age / 1000)} s old` };
    },
  };
}

/** Required: the consumer runner is running, a member of its group, and fetched recently. */
export function consumerCheck(runner: { health(): { ok: boolean; detail?: string } }): ReadinessCheck {
  return { name: 'consumer', check: async () => runner.health() };
}
