// When a crashed child is restarted: after a backoff that grows with each crash (cockatiel's exponential
// backoff with jitter), and not at all once it crashed `maxCrashes` times within `windowMs`.
import { ExponentialBackoff, type IBackoff } from 'cockatiel';

export interface RestartPolicyOptions {
  maxCrashes?: number;
  windowMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export type RestartDecision =
  | { restart: true; delayMs: number; crashes: number }
  | { restart: false; crashes: number };

export class RestartPolicy {
  readonly maxCrashes: number;
  readonly windowMs: number;
  readonly #factory: ExponentialBackoff<unknown>;
  #backoff: IBackoff<unknown> | undefined;
  #crashes: number[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.maxCrashes = options.maxCrashes ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.#factory = new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? 250,
      maxDelay: options.maxDelayMs ?? 8_000,
    });
  }

  /** Records a crash at `now` (ms) and says whether, and after how long, to restart. */
  crashed(now: number): RestartDecision {
    this.#crashes = this.#crashes.filter((at) => now - at < this.windowMs);
    this.#crashes.push(now);
    const crashes = this.#crashes.length;
    if (crashes >= this.maxCrashes) return { restart: false, crashes };
    // A child that ran quietly for a whole window starts again from the shortest delay.
    if (crashes === 1) this.#backoff = undefined;
    this.#backoff = this.#backoff === undefined ? this.#factory.next() : this.#backoff.next(undefined);
    return { restart: true, delayMs: Math.round(this.#backoff.duration), crashes };
  }
}
