// `npm start` as a test runs it: the launcher in a process group of its own (as a shell starts a job), its
// JSON log lines collected, the pids of the children it reports, and a cleanup that leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('../../../scripts/start/launch.js', import.meta.url));

export type LogLine = Record<string, unknown>;

export class Launcher {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** Child name → pid of each process the launcher reported starting (last one wins). */
  readonly pids = new Map<string, number>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  readonly #waiters = new Set<() => void>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [LAUNCHER], {
      env: { ...process.env, ...env, LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
        this.#notify();
      }),
    );
    this.child.stderr!.on('data', (d) => {
      this.stderr += d;
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        entry = { msg: line };
      }
      this.lines.push(entry);
      if (entry.process === 'start' && typeof entry.child === 'string' && typeof entry.pid === 'number')
        this.pids.set(entry.child, entry.pid);
      this.#notify();
    });
  }

  /** The last lines the launcher printed, for a failure message that says what happened. */
  #tail(): string {
    return this.lines
      .slice(-40)
      .map((line) => JSON.stringify(line).slice(0, 400))
      .join('\n');
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for a log line matching `match`; rejects when the launcher exits first or after `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, what: string, timeoutMs = 120_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      let from = 0;
      const check = () => {
        for (; from < this.lines.length; from++) {
          if (match(this.lines[from])) {
            done();
            resolve(this.lines[from]);
            return;
          }
        }
        if (!this.running) {
          done();
          reject(new Error(`launcher exited before ${what}\n${this.stderr}\n${this.#tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.#tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  ready(timeoutMs = 300_000): Promise<LogLine> {
    return this.waitFor(
      (l) => l.process === 'start' && String(l.msg).includes('Tributary is up'),
      'Tributary is up',
      timeoutMs,
    );
  }

  /** Signals the launcher's whole process group, as a terminal does on Ctrl-C. */
  signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined) kill(-this.child.pid, signal);
  }

  /** Leaves nothing running: asks nicely first, then kills the launcher's and every child's group. */
  async cleanup(graceMs = 30_000): Promise<void> {
    if (this.running) {
      this.signalGroup('SIGTERM');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    if (this.child.pid !== undefined) kill(-this.child.pid, 'SIGKILL');
    for (const pid of this.pids.values()) kill(-pid, 'SIGKILL');
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
