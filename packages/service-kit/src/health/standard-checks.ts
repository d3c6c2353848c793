// Checks every service needs. The database is required (no API without it); the broker, the publisher's
// circuit breaker and the outbox's age only degrade the service: writes still land in the outbox.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessCheck } from './readiness.ts';

/** How long the consumer check waits for the broker to answer a metadata request. */
const BROKER_PROBE_MS = 1_000;

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

/**
 * Required: the consumer runner is running, a member of its group, and fetched recently. While the broker
 * does not answer at all, a stuck consumer only degrades the service (every instance would be unready
 * alike, and the API does not need the broker); when the broker answers but the group does not work (its
 * coordinator is gone), the instance is not ready.
 */
export function consumerCheck(
  runner: { health(): { ok: boolean; detail?: string } },
  broker?: { transport: { partitionCount(topic: string): Promise<unknown> }; topic: string },
): ReadinessCheck {
  return {
    name: 'consumer',
    check: async () => {
      const health = runner.health();
      if (health.ok || broker === undefined) return health;
      const probe = new AbortController();
      try {
        // Bounded well inside the check's own timeout: no answer in time counts as not answering.
        await Promise.race([
          broker.transport.partitionCount(broker.topic),
          sleep(BROKER_PROBE_MS, undefined, { signal: probe.signal }).then(() => {
            throw new Error('no answer');
          }),
        ]);
        return health;
      } catch {
        return {
          ...health,
          required: false,
          detail: `${health.detail ?? 'not consuming'}; the broker does not answer`,
        };
      } finally {
        probe.abort();
      }
    },
  };
}
