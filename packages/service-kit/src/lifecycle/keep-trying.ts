// Runs a start-up step until it succeeds, backing off with jitter between attempts (one log line per
// failure, starting with its root cause), so a dependency that is down at startup never ends the process.
import { setTimeout as sleep } from 'node:timers/promises';
import { errorSummary, rootCauseOf } from '@tributary/database';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import type { Logger } from 'pino';

export interface KeepTryingOptions {
  logger: Logger;
  /** Stops trying (the promise then resolves with false). */
  signal?: AbortSignal;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Resolves true once `step` succeeded, false when `signal` aborted first. */
export async function keepTrying(
  what: string,
  step: () => Promise<unknown>,
  options: KeepTryingOptions,
): Promise<boolean> {
  const factory = new ExponentialBackoff({
    initialDelay: options.initialDelayMs ?? 200,
    maxDelay: options.maxDelayMs ?? 5_000,
  });
  let backoff: IBackoff<unknown> | undefined;
  for (let attempt = 1; !options.signal?.aborted; attempt++) {
    try {
      await step();
      return true;
    } catch (error) {
      if (options.signal?.aborted) return false;
      backoff = (backoff ?? factory).next(undefined);
      const delayMs = Math.round(backoff.duration);
      options.logger.warn(
        { error: errorSummary(error), attempt, retryInMs: delayMs },
        `${rootCauseOf(error)}: ${what} failed; trying again in ${delayMs} ms`,
      );
      try {
        await sleep(delayMs, undefined, { signal: options.signal });
      } catch {
        return false;
      }
    }
  }
  return false;
}
