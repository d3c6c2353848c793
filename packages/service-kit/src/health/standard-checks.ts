// Readiness checks every service needs: its database, its broker and its publisher's circuit breaker.
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
    check: async () =>
      publisher.state === 'closed'
        ? { ok: true }
        : { ok: false, detail: `publisher circuit is ${publisher.state}` },
  };
}
