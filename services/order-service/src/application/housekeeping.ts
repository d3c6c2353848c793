// Periodic clean-up that keeps tables from growing for ever: expired idempotency keys and inbox rows old
// enough that their message can no longer be redelivered. Runs once soon after start, then on an interval;
// a failed round is logged and the next one tries again.
import type { Logger } from 'pino';

export interface HousekeepingTask {
  name: string;
  /** Returns how many rows it removed. */
  run: () => Promise<number>;
}

export class Housekeeping {
  readonly #tasks: readonly HousekeepingTask[];
  readonly #intervalMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> = Promise.resolve();

  constructor(options: { tasks: readonly HousekeepingTask[]; intervalMs: number; logger: Logger }) {
    this.#tasks = options.tasks;
    this.#intervalMs = options.intervalMs;
    this.#log = options.logger.child({ component: 'housekeeping' });
  }

  start(firstDelayMs = 10_000): void {
    const schedule = (delay: number) => {
      this.#timer = setTimeout(() => {
        this.#round = this.runOnce().finally(() => {
          if (this.#timer !== undefined) schedule(this.#intervalMs);
        });
      }, delay);
      this.#timer.unref();
    };
    schedule(firstDelayMs);
  }

  /** Runs every task once; never rejects. */
  async runOnce(): Promise<void> {
    for (const task of this.#tasks) {
      try {
        const removed = await task.run();
        if (removed > 0) this.#log.info({ task: task.name, removed }, 'housekeeping removed rows');
      } catch (err) {
        this.#log.warn({ task: task.name, err }, `${(err as Error).message}: housekeeping round failed`);
      }
    }
  }

  /** Stops the schedule and waits for a running round. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }
}
