// The broker's Prometheus metrics (prom-client). Loaded only when `metricsPort` is set, so a broker without
// metrics never pays for the library at start-up.
//
// Gauges of state (topics, partitions, log sizes and ends, groups, committed offsets and lag) are read from
// the log manager and the group coordinator when Prometheus scrapes; nothing is kept up to date on the hot
// path. Labels are API names, versions, error names, topics, partitions, group ids and group states: never
// client ids, record keys or addresses. Per-partition series are bounded by maxPartitionsPerBroker.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { GROUP_STATES, type GroupCoordinator } from '../groups/index.ts';
import type { FsyncObserver, LogManager } from '../log/index.ts';
import type { RequestObserver } from '../server/dispatcher.ts';
import { createRequestMetrics, type ServedApi } from './request-metrics.ts';

export interface MetricsSources {
  logs: LogManager;
  groups: GroupCoordinator;
  apis: readonly ServedApi[];
  /** Open client connections. */
  connections(): number;
}

export interface BrokerMetrics {
  readonly requests: RequestObserver;
  readonly fsync: FsyncObserver;
  /** The text exposition of every metric. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

// An fdatasync takes tens of microseconds on a fast SSD and can take seconds on a struggling disk.
const FSYNC_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export function createBrokerMetrics(sources: MetricsSources): BrokerMetrics {
  const { logs, groups } = sources;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = createRequestMetrics(registry, sources.apis);

  const fsyncDuration = new Histogram({
    name: 'tributary_broker_fsync_duration_seconds',
    help: 'Duration of the fdatasync of a partition segment (with its directory when the segment is new)',
    buckets: FSYNC_BUCKETS,
    registers: [registry],
  });
  const fsyncFailures = new Counter({
    name: 'tributary_broker_fsync_failures_total',
    help: 'Failed fdatasync calls of partition segments (each takes its partition offline)',
    registers: [registry],
  });

  new Gauge({
    name: 'tributary_broker_connections',
    help: 'Open client connections',
    registers: [registry],
    collect() {
      this.set(sources.connections());
    },
  });
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  gauge('tributary_broker_topics', 'Topics', [], (g) => g.set(logs.listTopics().length));
  gauge('tributary_broker_partitions', 'Partitions of all topics', [], (g) =>
    g.set(logs.listTopics().reduce((sum, t) => sum + t.partitions, 0)),
  );
  gauge(
    'tributary_broker_offline_partitions',
    'Partitions whose storage failed (a failed write or fsync); they stay offline until a restart',
    [],
    (g) => {
      let offline = 0;
      for (const t of logs.listTopics())
        for (let p = 0; p < t.partitions; p++) if (logs.partition(t.name, p)?.offline) offline++;
      g.set(offline);
    },
  );
  gauge(
    'tributary_broker_log_size_bytes',
    'Bytes of a partition log on disk (its segment files)',
    ['topic', 'partition'],
    (g) => {
      for (const t of logs.listTopics())
        for (let p = 0; p < t.partitions; p++) {
          const log = logs.partition(t.name, p);
          if (log) g.set({ topic: t.name, partition: String(p) }, log.sizeBytes);
        }
    },
  );
  gauge(
    'tributary_broker_log_end_offset',
    'Offset after the last record consumers may read (the high watermark), per partition',
    ['topic', 'partition'],
    (g) => {
      for (const t of logs.listTopics())
        for (let p = 0; p < t.partitions; p++) {
          const log = logs.partition(t.name, p);
          if (log) g.set({ topic: t.name, partition: String(p) }, log.highWatermark);
        }
    },
  );
  gauge('tributary_broker_groups', 'Consumer groups by state', ['state'], (g) => {
    const counts = groups.groupStates();
    for (const state of GROUP_STATES) g.set({ state }, counts.get(state) ?? 0);
  });
  gauge(
    'tributary_broker_group_committed_offset',
    'Offset a consumer group committed, per topic-partition',
    ['group', 'topic', 'partition'],
    (g) => {
      for (const { groupId, topic, partition, offset } of groups.committedOffsets())
        g.set({ group: groupId, topic, partition: String(partition) }, offset);
    },
  );
  gauge(
    'tributary_broker_group_lag',
    'Records a consumer group has yet to consume: the high watermark less its committed offset',
    ['group', 'topic', 'partition'],
    (g) => {
      for (const { groupId, topic, partition, offset } of groups.committedOffsets()) {
        const log = logs.partition(topic, partition);
        if (log)
          g.set(
            { group: groupId, topic, partition: String(partition) },
            Math.max(0, log.highWatermark - offset),
          );
      }
    },
  );

  return {
    requests,
    fsync: {
      synced: (seconds) => fsyncDuration.observe(seconds),
      failed: () => fsyncFailures.inc(),
    },
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
