// Starts the platform's processes stage by stage, waits until each reports ready, restarts a crashed one
// with backoff (giving up after repeated crashes), and stops them in reverse stage order: the services
// (which leave their consumer group and flush their outbox) before the broker they need for that.
import type { LogStream } from './log-stream.ts';
import { describeExit, type ExitStatus, ManagedProcess } from './managed-process.ts';
import { ownsListeningPort } from './port-owner.ts';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.ts';

export interface ProcessSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Processes start in ascending and stop in descending stage order; one stage stops all at once. */
  stage: number;
  /** Resolves true once the process serves (a probe, so it works at any log level). */
  ready: () => Promise<boolean>;
  /** The port the probe talks to: it counts only while the child itself listens there. */
  port?: number;
  /**
   * A log line after which the probe is likely to pass (the child says it is ready): the next probe runs at
   * once instead of after the poll interval. Only a hint; the probe still decides.
   */
  readyHint?: (entry: Record<string, unknown>) => boolean;
}

export interface SupervisorOptions {
  startupTimeoutMs: number;
  restart?: RestartPolicyOptions;
  readyPollMs?: number;
}

interface Supervised {
  spec: ProcessSpec;
  process: ManagedProcess;
  policy: RestartPolicy;
  /** True once it has been ready: from then on an exit is a crash to restart from. */
  everReady: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  /** Set while a start or restart waits for readiness; an exit rejects it. */
  onStartExit: ((status: ExitStatus) => void) | undefined;
}

export class Supervisor {
  readonly #logs: LogStream;
  readonly #options: SupervisorOptions;
  readonly #children: Supervised[] = [];
  #stopping = false;
  /** Called when a child crashed too often; the caller stops everything. */
  onGiveUp: (name: string) => void = () => {};

  constructor(logs: LogStream, options: SupervisorOptions) {
    this.#logs = logs;
    this.#options = options;
  }

  /** Starts one process and resolves once its readiness probe passes (rejects if it exits first). */
  async start(spec: ProcessSpec): Promise<void> {
    const supervised: Supervised = {
      spec,
      process: new ManagedProcess(spec.name, spec.args, spec.env, this.#logs),
      policy: new RestartPolicy(this.#options.restart),
      everReady: false,
      restartTimer: undefined,
      onStartExit: undefined,
    };
    this.#children.push(supervised);
    await this.#run(supervised);
    supervised.everReady = true;
  }

  /** Spawns the child and waits for its readiness; rejects when it exits or times out first. */
  async #run(s: Supervised): Promise<void> {
    let exitedEarly: ExitStatus | undefined;
    s.onStartExit = (status) => {
      exitedEarly = status;
    };
    // Wakes the wait between two probes when the child logs its readiness hint.
    let wake: (() => void) | undefined;
    let hinted = false;
    s.process.spawn(
      (status) => this.#exited(s, status),
      (entry) => {
        if (s.spec.readyHint?.(entry) !== true) return;
        hinted = true;
        wake?.();
      },
    );
    const started = performance.now();
    const deadline = started + this.#options.startupTimeoutMs;
    let pollMs = this.#options.readyPollMs ?? 25;
    try {
      for (;;) {
        if (exitedEarly !== undefined)
          throw new Error(`${s.spec.name} ended (${describeExit(exitedEarly)}) before it was ready`);
        if (this.#stopping) throw new Error(`${s.spec.name}: stopping before it was ready`);
        if (performance.now() > deadline) {
          s.process.signal('SIGKILL');
          throw new Error(`${s.spec.name} did not become ready within ${this.#options.startupTimeoutMs} ms`);
        }
        // Only the child we started counts: a probe answered while it is not running proves nothing.
        const ready = (await s.spec.ready().catch(() => false)) && (await this.#listensItself(s));
        if (ready && s.process.running && exitedEarly === undefined) break;
        // Quick at first (most of a start is short waits), then calmer: each failed probe may log a line.
        // A hint that came before a probe that failed does not shorten the next wait (no busy loop).
        if (hinted) hinted = false;
        else {
          await new Promise<void>((r) => {
            const timer = setTimeout(r, pollMs);
            wake = () => {
              clearTimeout(timer);
              r();
            };
          });
          wake = undefined;
          hinted = false;
        }
        pollMs = Math.min(pollMs * 1.5, 250);
      }
    } finally {
      s.onStartExit = undefined;
    }
    this.#logs.info(`${s.spec.name} ready after ${Math.round(performance.now() - started)} ms`, {
      child: s.spec.name,
      readyMs: Math.round(performance.now() - started),
    });
  }

  /** False while another process holds the child's port (then the probe was not answered by the child). */
  async #listensItself(s: Supervised): Promise<boolean> {
    const pid = s.process.pid;
    if (s.spec.port === undefined || pid === undefined) return true;
    return (await ownsListeningPort(pid, s.spec.port)) !== false;
  }

  #exited(s: Supervised, status: ExitStatus): void {
    if (s.onStartExit !== undefined) {
      s.onStartExit(status);
      if (!s.everReady) return;
    }
    if (this.#stopping || !s.everReady) return;
    const decision = s.policy.crashed(Date.now());
    const window = `${Math.round(s.policy.windowMs / 1000)} s`;
    if (!decision.restart) {
      this.#logs.error(
        `${s.spec.name} ended (${describeExit(status)}): crash ${decision.crashes} within ${window}; giving up`,
        { child: s.spec.name, crashes: decision.crashes },
      );
      this.onGiveUp(s.spec.name);
      return;
    }
    this.#logs.warn(
      `${s.spec.name} ended unexpectedly (${describeExit(status)}); restarting in ${decision.delayMs} ms ` +
        `(crash ${decision.crashes} of ${s.policy.maxCrashes} allowed within ${window})`,
      { child: s.spec.name, crashes: decision.crashes, delayMs: decision.delayMs },
    );
    s.restartTimer = setTimeout(() => {
      s.restartTimer = undefined;
      if (this.#stopping) return;
      this.#run(s).then(
        () => this.#logs.info(`${s.spec.name} restarted and ready again`, { child: s.spec.name }),
        (err: Error) => {
          // An exit before readiness reaches #exited as the next crash; a timeout killed the child,
          // which does too.
          if (!this.#stopping) this.#logs.warn(`restart failed: ${err.message}`, { child: s.spec.name });
        },
      );
    }, decision.delayMs);
  }

  /**
   * Stops every process, later stages first; each stage's processes stop together. A process still running
   * after `graceMs` is killed. Resolves true only when every process ended with exit code 0.
   */
  async stopAll(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    let clean = true;
    for (const s of this.#children) {
      if (s.restartTimer !== undefined) {
        clearTimeout(s.restartTimer);
        s.restartTimer = undefined;
        clean = false; // it had crashed and was waiting to be restarted
      }
    }
    const stages = [...new Set(this.#children.map((s) => s.spec.stage))].sort((a, b) => b - a);
    for (const stage of stages) {
      const members = this.#children.filter((s) => s.spec.stage === stage && s.process.running);
      if (members.length === 0) continue;
      this.#logs.info(`stopping ${members.map((s) => s.spec.name).join(', ')}`);
      const results = await Promise.all(members.map((s) => this.#stop(s, graceMs)));
      if (results.includes(false)) clean = false;
    }
    return clean;
  }

  async #stop(s: Supervised, graceMs: number): Promise<boolean> {
    s.process.signal('SIGTERM');
    const timer = setTimeout(() => {
      this.#logs.warn(`${s.spec.name} did not stop within ${graceMs} ms; killing it`, { child: s.spec.name });
      s.process.signal('SIGKILL');
    }, graceMs);
    const status = await s.process.exited;
    clearTimeout(timer);
    const clean = status.code === 0;
    const line = `${s.spec.name} stopped (${describeExit(status)})`;
    if (clean) this.#logs.info(line, { child: s.spec.name, exitCode: status.code });
    else this.#logs.warn(line, { child: s.spec.name, exitCode: status.code, signal: status.signal });
    return clean;
  }

  /** Kills every process group at once (a second Ctrl-C, or the launcher itself going down). */
  killAll(): void {
    this.#stopping = true;
    for (const s of this.#children) {
      if (s.restartTimer !== undefined) clearTimeout(s.restartTimer);
      s.process.signal('SIGKILL');
    }
  }
}
