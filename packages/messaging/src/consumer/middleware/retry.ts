// Transient failures are retried in place a few times with exponential backoff and jitter before the
// record is handed to the dead-letter middleware (which moves it to the retry topic).
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { isRetriable } from '../../errors.ts';
import type { Middleware } from '../message-pipeline.ts';

export interface InPlaceRetryOptions {
  /** Handler calls per round, the first included (default 3). */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export function retryMiddleware(options: InPlaceRetryOptions = {}): Middleware {
  const attempts = Math.max(1, options.attempts ?? 3);
  const policy = retry(
    handleWhen((err) => isRetriable(err)),
    {
      maxAttempts: attempts - 1,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialDelayMs ?? 100,
        maxDelay: options.maxDelayMs ?? 2_000,
      }),
    },
  );
  return (next) => (message) =>
    policy.execute(({ attempt }) => {
      if (attempt > 0) message.logger.debug({ attempt: attempt + 1 }, 'retrying in place');
      return next(message);
    }, message.signal);
}
