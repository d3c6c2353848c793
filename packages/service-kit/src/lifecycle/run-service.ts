// Runs a service's HTTP app until SIGTERM/SIGINT, then shuts down in order: stop accepting connections and
// finish in-flight requests (fastify close), run the service's shutdown hooks one after another (flush the
// outbox, leave the consumer group, close the database), exit 0. A second signal or the overall timeout
// forces exit 1.
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export interface ShutdownHook {
  name: string;
  run: () => Promise<void> | void;
}

export interface RunServiceOptions {
  app: FastifyInstance;
  port: number;
  host?: string;
  logger: FastifyBaseLogger;
  /** Run in order after the HTTP server has closed; a failing hook is logged and the next one still runs. */
  onShutdown?: readonly ShutdownHook[];
  /** Overall budget from the signal to exit, default 10 s. */
  shutdownTimeoutMs?: number;
  signals?: readonly NodeJS.Signals[];
  /** Process exit, replaceable in tests; default process.exit. */
  exit?: (code: number) => void;
}

export interface RunningService {
  /** e.g. `http://127.0.0.1:5001` */
  address: string;
  port: number;
  /** Runs the same shutdown a signal triggers; resolves with the exit code it chose. */
  shutdown: (reason: string) => Promise<number>;
}

export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const log = options.logger.child({ component: 'lifecycle' });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];

  await options.app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  const bound = options.app.server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  const address = `http://${options.host ?? '0.0.0.0'}:${port}`;
  log.info({ address }, 'listening');

  let shuttingDown: Promise<number> | undefined;

  async function runShutdown(reason: string): Promise<number> {
    const started = performance.now();
    log.info({ reason }, 'shutting down');
    try {
      await options.app.close();
      log.info('http server closed');
    } catch (error) {
      log.error({ err: error }, 'closing the http server failed');
    }
    let failed = false;
    for (const hook of options.onShutdown ?? []) {
      try {
        await hook.run();
        log.info({ hook: hook.name }, 'shutdown hook done');
      } catch (error) {
        failed = true;
        log.error({ err: error, hook: hook.name }, 'shutdown hook failed');
      }
    }
    log.info({ durationMs: Math.round(performance.now() - started), failed }, 'shutdown complete');
    return failed ? 1 : 0;
  }

  function shutdown(reason: string): Promise<number> {
    if (shuttingDown !== undefined) return shuttingDown;
    let timer: NodeJS.Timeout | undefined;
    // Deliberately not unref'd: a hook awaiting something that holds no handle must still end in exit 1,
    // not in the event loop draining into a silent exit 0.
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        log.error({ timeoutMs }, 'shutdown timed out; forcing exit');
        resolve(1);
      }, timeoutMs);
    });
    shuttingDown = Promise.race([runShutdown(reason), timeout]).finally(() => clearTimeout(timer));
    return shuttingDown;
  }

  for (const signal of signals) {
    process.on(signal, () => {
      if (shuttingDown !== undefined) {
        log.warn({ signal }, 'second signal during shutdown; forcing exit');
        exit(1);
        return;
      }
      void shutdown(signal).then(exit);
    });
  }

  return { address, port, shutdown };
}
