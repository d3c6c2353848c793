// Failure routing: a record whose handler still fails after the in-place retries goes to the retry topic
// for a later round; after the last round, or at once when the error is not retriable (undecodable,
// schema-invalid), it goes to the dead-letter topic. Either way the partition moves on, except while the
// database is unavailable.
import { isDatabaseUnavailable } from '@tributary/database';
import { isRetriable } from '../../errors.ts';
import type { RetryRouter } from '../../retry/retry-router.ts';
import type { Middleware } from '../message-pipeline.ts';

export function deadLetterMiddleware(router: RetryRouter): Middleware {
  return (next) => async (message) => {
    try {
      await next(message);
      message.outcome ??= 'handled';
      return;
    } catch (err) {
      // Stopping: leave the record uncommitted for whoever reads the partition next.
      if (message.signal.aborted) throw err;
      // The database is down: not the record's fault, and every record would fail alike. The runner keeps
      // the partition on this record until the database is back, instead of spending its retry rounds.
      if (isDatabaseUnavailable(err)) throw err;
      message.error = err;
      const failedRounds = (message.retry?.attempt ?? 0) + 1;
      if (isRetriable(err) && failedRounds < router.maxRounds) {
        const dueAt = await router.scheduleRetry(message, err, failedRounds);
        message.bind({ dueAt: new Date(dueAt).toISOString() });
        message.outcome = 'retry-scheduled';
      } else {
        await router.deadLetter(message, err, failedRounds);
        message.outcome = 'dead-lettered';
      }
    }
  };
}
