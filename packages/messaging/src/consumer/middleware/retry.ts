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
  return (next) => async (message) => {
    // The first call runs outside the policy: records that succeed (nearly all) cost no policy round.
    let first: unknown;
    try {
      await next(message);
      return;
    } catch (err) {
      if (attempts === 1 || !isRetriable(err) || message.signal.aborted) throw err;
      first = err;
    }
    // The policy sees that failure as its own first attempt, then backs off before each further call.
    await policy.execute(({ attempt }) => {
      if (attempt === 0) throw first;
      message.logger.debug({ attempt: attempt + 1 }, 'retrying in place');
      return next(message);
    }, message.signal);
  };
}
