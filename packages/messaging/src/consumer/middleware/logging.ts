// One log line per record with its outcome and duration; failures that escape the chain are logged too.
// Lines at debug level are only built when the runner's logger writes them.
import type { Logger } from 'pino';
import type { Middleware } from '../message-pipeline.ts';

export function loggingMiddleware(logger: Logger): Middleware {
  return (next) => async (message) => {
    const debug = logger.isLevelEnabled('debug');
    const started = performance.now();
    if (debug) message.logger.debug('received');
    try {
      await next(message);
    } catch (err) {
      if (!message.signal.aborted) message.logger.error({ err }, 'record could not be processed');
      throw err;
    }
    const outcome = message.outcome ?? 'handled';
    if (outcome !== 'dead-lettered' && outcome !== 'retry-scheduled' && !debug) return;
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    if (outcome === 'dead-lettered' || outcome === 'retry-scheduled') {
      message.logger.warn({ outcome, durationMs, err: message.error }, outcome);
    } else {
      message.logger.debug({ outcome, durationMs }, outcome);
    }
  };
}
