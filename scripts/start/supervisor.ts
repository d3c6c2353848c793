// Starts the platform's processes, waits until each reports ready, and stops them in reverse order.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogStream } from './log-stream.ts';

export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** True for the log entry that means "ready". */
  ready: (entry: Record<string, unknown>) => boolean;
}

interface Running {
  spec: ProcessSpec;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export class Supervisor {
  readonly #logs: LogStream;
  readonly #running: Running[] = [];
  #stopping = false;
  onUnexpectedExit: (name: string, code: number | null) => void = () => {};

  constructor(logs: LogStream) {
    this.#logs = logs;
  }

  /** Starts one process and resolves once it logged its ready line (rejects if it exits first). */
  start(spec: ProcessSpec, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.#running.push({ spec, child, exited });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.name} did not become ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      let ready = false;
      const onEntry = (entry: Record<string, unknown>) => {
        if (!ready && spec.ready(entry)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
      this.#logs.attach(spec.name, child.stdout!, onEntry);
      this.#logs.attach(spec.name, child.stderr!, onEntry);
      exited.then((code) => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`${spec.name} exited with code ${code} before it was ready`));
        else if (!this.#stopping) this.onUnexpectedExit(spec.name, code);
      });
    });
  }

  /** Stops the processes in reverse start order: services flush and leave before the broker goes. */
  async stopAll(graceMs = 20_000): Promise<void> {
    this.#stopping = true;
    for (const r of [...this.#running].reverse()) {
      if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
      r.child.kill('SIGTERM');
      const timer = setTimeout(() => r.child.kill('SIGKILL'), graceMs);
      await r.exited;
      clearTimeout(timer);
    }
  }
}
