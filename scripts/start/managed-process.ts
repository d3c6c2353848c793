// One child of `npm start`, in a process group of its own: a Ctrl-C in the terminal reaches only the
// launcher, which then decides the order in which its children stop. Signals go to the whole group so
// anything the child started goes with it.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogStream } from './log-stream.ts';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(status: ExitStatus): string {
  return status.signal !== null ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

export class ManagedProcess {
  readonly name: string;
  readonly #args: readonly string[];
  readonly #env: Readonly<Record<string, string>>;
  readonly #logs: LogStream;
  #child: ChildProcess | undefined;
  #exited: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  #running = false;

  constructor(name: string, args: readonly string[], env: Readonly<Record<string, string>>, logs: LogStream) {
    this.name = name;
    this.#args = args;
    this.#env = env;
    this.#logs = logs;
  }

  get running(): boolean {
    return this.#running;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves when the current child has exited (at once when none runs). */
  get exited(): Promise<ExitStatus> {
    return this.#exited;
  }

  /** Starts a new child; `onExit` hears how it ended, `onLogEntry` every JSON log line it writes. */
  spawn(onExit: (status: ExitStatus) => void, onLogEntry?: (entry: Record<string, unknown>) => void): void {
    const child = spawn(process.execPath, this.#args, {
      env: { ...process.env, ...this.#env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    this.#running = true;
    this.#exited = new Promise((resolve) => {
      // 'close' comes after the output pipes are drained, so a child's last log lines precede the
      // launcher's line saying it stopped.
      child.once('close', (code, signal) => {
        this.#running = false;
        const status = { code, signal };
        resolve(status);
        onExit(status);
      });
    });
    child.once('error', (err) => this.#logs.error(`${this.name}: ${err.message}`));
    this.#logs.attach(this.name, child.stdout!, onLogEntry);
    this.#logs.attach(this.name, child.stderr!, onLogEntry);
    this.#logs.info(`${this.name} started (pid ${child.pid})`, { child: this.name, pid: child.pid });
  }

  /** Sends `signal` to the child's process group; false when nothing was running. */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.#child?.pid;
    if (!this.#running || pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  }
}
