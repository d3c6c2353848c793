// Hands the SDK's metric reader the histograms the messaging library counts in process (see its
// TalliedHistogram): cumulative histogram points, named as a view of this SDK would name them.
import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { readTalliedHistograms } from '@tributary/messaging';

export function talliedHistogramsProducer(nameOf: (instrument: string) => string): MetricProducer {
  const read = readTalliedHistograms();
  return {
    async collect() {
      const endTime: HrTime = millisToHrTime(Date.now());
      return {
        resourceMetrics: {
          resource: emptyResource(),
          scopeMetrics: [
            {
              scope: { name: '@tributary/messaging' },
              metrics: read().map((histogram) => ({
                descriptor: {
                  name: nameOf(histogram.name),
                  description: histogram.description,
                  unit: histogram.unit,
                  type: InstrumentType.HISTOGRAM,
                  valueType: ValueType.DOUBLE,
                  advice: {},
                },
                aggregationTemporality: AggregationTemporality.CUMULATIVE,
                dataPointType: DataPointType.HISTOGRAM,
                dataPoints: histogram.tallies.map((tally) => ({
                  attributes: tally.attributes,
                  startTime: millisToHrTime(tally.startTime),
                  endTime,
                  value: {
                    buckets: { boundaries: [...histogram.boundaries], counts: tally.counts },
                    count: tally.count,
                    sum: tally.sum,
                    min: tally.min,
                    max: tally.max,
                  },
                })),
              })),
            },
          ],
        },
        errors: [],
      };
    },
  };
}
