// One log line per record with its outcome and duration; failures that escape the chain are logged too.
import type { Middleware } from '../message-pipeline.ts';

export function loggingMiddleware(): Middleware {
  return (next) => async (message) => {
    const started = performance.now();
    message.logger.debug('received');
    try {
      await next(message);
    } catch (err) {
      if (!message.signal.aborted) message.logger.error({ err }, 'record could not be processed');
      throw err;
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const outcome = message.outcome ?? 'handled';
    if (outcome === 'dead-lettered' || outcome === 'retry-scheduled') {
      message.logger.warn({ outcome, durationMs, err: message.error }, outcome);
    } else {
      message.logger.debug({ outcome, durationMs }, outcome);
    }
  };
}
