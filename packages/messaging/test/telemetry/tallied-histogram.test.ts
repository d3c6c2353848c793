// A histogram counted per message: recorded on the OpenTelemetry API's histogram until a process says it reads
// the in-process counts, then counted in process with the same buckets, per attribute set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HistogramMetricData, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { readTalliedHistograms, TalliedHistogram } from '../../src/telemetry/tallied-histogram.ts';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const BOUNDARIES = [0.001, 0.01, 0.1];
const handled = { 'messaging.destination.name': 'orders', 'tributary.outcome': 'handled' };
const failed = { 'messaging.destination.name': 'orders', 'tributary.outcome': 'dead-lettered' };

describe('TalliedHistogram', () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const histogram = new TalliedHistogram(provider.getMeter('test'), 'test.process.duration', {
    description: 'processing time',
    unit: 's',
    boundaries: BOUNDARIES,
  });
  const apiPoints = async () => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)[0] as
      | HistogramMetricData
      | undefined;
    return metric?.dataPoints ?? [];
  };

  it('records on the API histogram while no process reads the counts', async () => {
    const series = histogram.series('handled', () => handled);
    for (const value of [0.0005, 0.002, 0.05]) series.record(value);
    const [point] = await apiPoints();
    assert.deepEqual(point?.attributes, handled);
    assert.equal(point?.value.count, 3);
    assert.deepEqual(point?.value.buckets.counts, [1, 1, 1, 0]);
  });

  it('counts in process, per attribute set and bucket, once a process reads the counts', async () => {
    const read = readTalliedHistograms();
    const ok = histogram.series('handled', () => handled);
    const dead = histogram.series('dead', () => failed);
    for (const value of [0.0005, 0.001, 0.02, 3]) ok.record(value);
    dead.record(0.2);
    const data = read().find((h) => h.name === 'test.process.duration');
    assert.ok(data);
    assert.equal(data.unit, 's');
    assert.deepEqual(data.boundaries, BOUNDARIES);
    const byOutcome = new Map(data.tallies.map((t) => [t.attributes['tributary.outcome'], t]));
    const okTally = byOutcome.get('handled');
    assert.deepEqual(okTally?.counts, [2, 0, 1, 1], 'a value on a boundary counts in the bucket it bounds');
    assert.equal(okTally?.count, 4);
    assert.equal(okTally?.sum, 0.0005 + 0.001 + 0.02 + 3);
    assert.equal(okTally?.min, 0.0005);
    assert.equal(okTally?.max, 3);
    assert.deepEqual(byOutcome.get('dead-lettered')?.counts, [0, 0, 0, 1]);
    assert.equal((await apiPoints())[0]?.value.count, 3, 'nothing more on the API histogram');
  });
});
