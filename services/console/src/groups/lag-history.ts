// Lag over time: the total lag of every group, sampled on an interval and kept for a bounded window, so
// the group page can chart how lag rose and fell.
import type { Logger } from '@tributary/service-kit';
import type { GroupLagReader } from './group-lag.ts';

export interface LagSample {
  at: number;
  lag: number;
}

export interface LagHistoryOptions {
  reader: GroupLagReader;
  intervalMs: number;
  /** Samples kept per group. */
  keep?: number;
  logger: Logger;
  now?: () => number;
}

export class LagHistory {
  readonly #options: LagHistoryOptions;
  readonly #samples = new Map<string, LagSample[]>();
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(options: LagHistoryOptions) {
    this.#options = options;
  }

  start(): void {
    const tick = async () => {
      try {
        await this.sample();
        if (this.#failing) this.#options.logger.info('lag sampling resumed');
        this.#failing = false;
      } catch (err) {
        // One line per outage, not one per interval.
        if (!this.#failing) this.#options.logger.warn({ err: (err as Error).message }, 'lag sampling failed');
        this.#failing = true;
      }
      if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.#options.intervalMs).unref();
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async sample(): Promise<void> {
    const at = (this.#options.now ?? Date.now)();
    for (const group of await this.#options.reader.all()) this.record(group.id, { at, lag: group.lag });
  }

  record(group: string, sample: LagSample): void {
    const keep = this.#options.keep ?? 720;
    const list = this.#samples.get(group) ?? [];
    list.push(sample);
    if (list.length > keep) list.splice(0, list.length - keep);
    this.#samples.set(group, list);
  }

  of(group: string): LagSample[] {
    return [...(this.#samples.get(group) ?? [])];
  }
}
