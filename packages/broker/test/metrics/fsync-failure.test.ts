// A failing disk shows in the broker's metrics: a failed fdatasync is counted and its partition is reported
// offline (the storage alert fires on either), while good syncs land in the fsync latency histogram. The log
// runs on the simulated disk, which fails syncs on demand.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeRecordBatch } from '@tributary/kafka-protocol';
import parsePrometheus from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { GroupCoordinator } from '../../src/groups/index.ts';
import { SimulatedDisk, seededRandom } from '../../src/io/simulated-disk.ts';
import { LogManager } from '../../src/log/index.ts';
import { createBrokerMetrics } from '../../src/metrics/broker-metrics.ts';

const logger = pino({ level: 'silent' });
const batch = (value: string) =>
  encodeRecordBatch({ baseTimestamp: 1000n, records: [{ key: null, value: Buffer.from(value) }] });

it('counts a failed fsync and reports its partition offline; good fsyncs are observed', async (t) => {
  const disk = new SimulatedDisk(seededRandom(7));
  const logs = await LogManager.open({ dataDir: '/data/topics', fs: disk.mount(), logger, timers: false });
  t.after(() => logs.close().catch(() => {}));
  const groups = await GroupCoordinator.open({ dataDir: '/data/groups', fs: disk.mount(), logger });
  t.after(() => groups.close());
  const metrics = createBrokerMetrics({ logs, groups, apis: [], connections: () => 0 });
  logs.flushScheduler.observer = metrics.fsync;
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const family = parsePrometheus(await metrics.scrape()).find((f) => f.name === name);
    assert.ok(family, `${name} is exported`);
    return family.metrics
      .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
      .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
  };

  await logs.createTopic('disk', 2);
  logs.partition('disk', 0)!.appendBatches(batch('synced'));
  await logs.flushScheduler.flushNow();
  assert.ok((await value('tributary_broker_fsync_duration_seconds')) >= 1, 'a good fsync is observed');
  assert.equal(await value('tributary_broker_fsync_failures_total'), 0);
  assert.equal(await value('tributary_broker_offline_partitions'), 0);
  assert.equal(await value('tributary_broker_log_end_offset', { topic: 'disk', partition: '0' }), 1);

  disk.setFaults({ syncFailure: 1 });
  logs.partition('disk', 1)!.appendBatches(batch('lost'));
  await logs.flushScheduler.flushNow();
  assert.ok(logs.partition('disk', 1)!.offline, 'the failed sync took the partition offline');
  assert.equal(await value('tributary_broker_fsync_failures_total'), 1);
  assert.equal(await value('tributary_broker_offline_partitions'), 1);
  assert.equal(
    await value('tributary_broker_log_end_offset', { topic: 'disk', partition: '1' }),
    0,
    'nothing unsynced is readable',
  );
  disk.setFaults({});
});
