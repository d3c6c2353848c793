// A histogram counted in the process (per attribute set: bucket counts, sum, min, max), for measurements made
// once per message, where the SDK's `Histogram.record` (which serializes the attribute set on every call)
// costs as much as the rest of what telemetry adds to a small message. The OpenTelemetry metrics API has no
// asynchronous histogram to hand such counts to the SDK, so a process that can read them says so once with
// `readTalliedHistograms()` (the service kit's telemetry does, through a MetricProducer of its SDK); until
// one does, every measurement goes to an API histogram of the same name, as any other instrument's would.
import type { Attributes, Histogram, Meter, MetricOptions } from '@opentelemetry/api';

/** What one attribute set has counted since the process started (cumulative). */
export interface HistogramTally {
  readonly attributes: Attributes;
  /** `counts[i]` measurements were at most `boundaries[i]` and above the boundary before; the last, above all. */
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
  /** When the first measurement was counted (ms since the epoch). */
  readonly startTime: number;
}

export interface TalliedHistogramData {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly boundaries: readonly number[];
  readonly tallies: readonly HistogramTally[];
}

/** One attribute set of a tallied histogram; callers keep it and record through it. */
export interface HistogramSeries {
  record(value: number): void;
}

/** The histograms made last under each name (instruments are made again when the meter provider changes). */
const histograms = new Map<string, TalliedHistogram>();
let claimed = false;

/**
 * From now on measurements are counted in the process and read with the returned function (cumulative, one
 * entry per histogram), instead of being recorded on the API histograms.
 */
export function readTalliedHistograms(): () => TalliedHistogramData[] {
  claimed = true;
  return () => [...histograms.values()].map((histogram) => histogram.data());
}

export class TalliedHistogram {
  readonly #meter: Meter;
  readonly #name: string;
  readonly #options: MetricOptions & { unit: string; description: string };
  readonly #boundaries: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();
  readonly #tallies: HistogramTally[] = [];
  /** Made on the first measurement not counted here, so an unused API instrument is never exported. */
  #histogram: Histogram | undefined;

  constructor(
    meter: Meter,
    name: string,
    options: MetricOptions & { unit: string; description: string; boundaries: readonly number[] },
  ) {
    this.#meter = meter;
    this.#name = name;
    const { boundaries, ...rest } = options;
    this.#boundaries = boundaries;
    this.#options = { ...rest, advice: { explicitBucketBoundaries: [...boundaries] } };
    histograms.set(name, this);
  }

  /**
   * The series of `attributes`, known to callers by `key` (which must name the attribute set: the same key
   * always stands for the same attributes).
   */
  series(key: string, attributes: () => Attributes): HistogramSeries {
    let found = this.#series.get(key);
    if (found === undefined) {
      const frozen = Object.freeze(attributes());
      let tally: HistogramTally | undefined;
      found = {
        record: (value) => {
          if (!claimed) {
            this.#histogram ??= this.#meter.createHistogram(this.#name, this.#options);
            this.#histogram.record(value, frozen);
            return;
          }
          if (tally === undefined) {
            tally = {
              attributes: frozen,
              counts: new Array<number>(this.#boundaries.length + 1).fill(0),
              count: 0,
              sum: 0,
              min: Number.POSITIVE_INFINITY,
              max: Number.NEGATIVE_INFINITY,
              startTime: Date.now(),
            };
            this.#tallies.push(tally);
          }
          let bucket = 0;
          while (bucket < this.#boundaries.length && value > this.#boundaries[bucket]!) bucket++;
          tally.counts[bucket]! += 1;
          tally.count += 1;
          tally.sum += value;
          if (value < tally.min) tally.min = value;
          if (value > tally.max) tally.max = value;
        },
      };
      this.#series.set(key, found);
    }
    return found;
  }

  data(): TalliedHistogramData {
    return {
      name: this.#name,
      description: this.#options.description,
      unit: this.#options.unit,
      boundaries: this.#boundaries,
      tallies: this.#tallies.map((tally) => ({ ...tally, counts: [...tally.counts] })),
    };
  }
}
