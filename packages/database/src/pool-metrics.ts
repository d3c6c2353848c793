// Connection pool gauges (database client semantic conventions) read from `pg`'s pool when scraped.
import { metrics } from '@opentelemetry/api';
import type pg from 'pg';

/** Reports `pool` until the returned function is called. */
export function observePool(pool: pg.Pool, poolName: string): () => void {
  const meter = metrics.getMeter('@tributary/database');
  const connections = meter.createObservableUpDownCounter('db.client.connection.count', {
    description: 'Connections of the pool by state (used: lent to a query or transaction)',
    unit: '{connection}',
  });
  const pending = meter.createObservableUpDownCounter('db.client.connection.pending_requests', {
    description: 'Requests waiting for a connection of the pool',
    unit: '{request}',
  });
  const name = { 'db.client.connection.pool.name': poolName };
  const callback = (result: {
    observe(observable: typeof connections, value: number, attributes: Record<string, string>): void;
  }) => {
    result.observe(connections, pool.totalCount - pool.idleCount, {
      ...name,
      'db.client.connection.state': 'used',
    });
    result.observe(connections, pool.idleCount, { ...name, 'db.client.connection.state': 'idle' });
    result.observe(pending, pool.waitingCount, name);
  };
  meter.addBatchObservableCallback(callback, [connections, pending]);
  return () => meter.removeBatchObservableCallback(callback, [connections, pending]);
}
