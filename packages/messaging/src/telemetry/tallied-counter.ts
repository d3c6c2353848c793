// A monotonic counter counted in the process and handed to the SDK when it collects (an observable counter):
// for counts made once per message, where a synchronous `Counter.add` (the SDK hashes the attribute set on
// every call) would cost more than the rest of handling a small message. Readers see the same metric: a
// counter with the same name, unit and attributes, whose value is read at each collection.
import type { Attributes, Meter, MetricOptions } from '@opentelemetry/api';

/** One attribute set's count; callers keep it and increment `value` directly. */
export interface TallySeries {
  readonly attributes: Attributes;
  value: number;
}

export class TalliedCounter {
  readonly #series = new Map<string, TallySeries>();

  constructor(meter: Meter, name: string, options: MetricOptions) {
    meter.createObservableCounter(name, options).addCallback((result) => {
      for (const series of this.#series.values()) result.observe(series.value, series.attributes);
    });
  }

  /**
   * The series of `attributes`, known to callers by `key` (which must name the attribute set: the same key
   * always stands for the same attributes). Callers keep the series they get and count with `value++`.
   */
  series(key: string, attributes: () => Attributes): TallySeries {
    let found = this.#series.get(key);
    if (found === undefined) {
      found = { attributes: Object.freeze(attributes()), value: 0 };
      this.#series.set(key, found);
    }
    return found;
  }
}
