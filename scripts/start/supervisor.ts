// Starts the platform's processes, waits until each reports ready, and stops them in reverse order.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogStream } from './log-stream.ts';

export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Resolves true once the process serves (a probe, so it works at any log level). */
  ready: () => Promise<boolean>;
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

  /** Starts one process and resolves once its readiness probe passes (rejects if it exits first). */
  start(spec: ProcessSpec, timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.#running.push({ spec, child, exited });
    this.#logs.attach(spec.name, child.stdout!);
    this.#logs.attach(spec.name, child.stderr!);
    let exitCode: number | null | undefined;
    let ready = false;
    exited.then((code) => {
      exitCode = code;
      if (ready && !this.#stopping) this.onUnexpectedExit(spec.name, code);
    });
    return (async () => {
      const deadline = Date.now() + timeoutMs;
      while (!ready) {
        if (exitCode !== undefined)
          throw new Error(`${spec.name} exited with code ${exitCode} before it was ready`);
        if (Date.now() > deadline)
          throw new Error(`${spec.name} did not become ready within ${timeoutMs} ms`);
        ready = await spec.ready().catch(() => false);
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
    })();
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
