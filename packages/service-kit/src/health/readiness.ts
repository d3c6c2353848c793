// Checks a service registers and the report built from running them at once, each bounded by a timeout.
// A required check (database reachable, consumer running) decides readiness: what the process needs to
// serve its API. The others (broker reachable, circuit closed, outbox age) only mark the service degraded
// in `/health`: the outbox exists so that writes do not need the broker.
import { type Static, Type } from 'typebox';

export interface CheckResult {
  ok: boolean;
  detail?: string;
  /** A required check may report a failure as only degrading (e.g. the consumer waits for the broker). */
  required?: boolean;
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<CheckResult>;
  /** False: a failure degrades the service (reported in `/health`) but leaves it ready. Default true. */
  required?: boolean;
}

export const CheckReport = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  required: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  durationMs: Type.Number(),
});

export const ReadinessReport = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('degraded'), Type.Literal('not_ready')]),
  checks: Type.Array(CheckReport),
});

export type CheckReport = Static<typeof CheckReport>;
export type ReadinessReport = Static<typeof ReadinessReport>;

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

export class ReadinessChecks {
  readonly #checks: ReadinessCheck[] = [];
  readonly #timeoutMs: number;

  constructor(checks: readonly ReadinessCheck[] = [], timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
    for (const check of checks) this.add(check);
  }

  add(check: ReadinessCheck): void {
    if (this.#checks.some((existing) => existing.name === check.name)) {
      throw new Error(`readiness check "${check.name}" is already registered`);
    }
    this.#checks.push(check);
  }

  get names(): string[] {
    return this.#checks.map((check) => check.name);
  }

  /** `readiness` runs the required checks only; `all` adds those that can only degrade the service. */
  async run(scope: 'readiness' | 'all' = 'all'): Promise<ReadinessReport> {
    const selected =
      scope === 'all' ? this.#checks : this.#checks.filter((check) => check.required !== false);
    const checks = await Promise.all(selected.map((check) => this.#runOne(check)));
    const status = checks.some((check) => !check.ok && check.required)
      ? 'not_ready'
      : checks.some((check) => !check.ok)
        ? 'degraded'
        : 'ready';
    return { status, checks };
  }

  async #runOne(check: ReadinessCheck): Promise<CheckReport> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: `timed out after ${this.#timeoutMs} ms` }),
        this.#timeoutMs,
      );
    });
    let result: CheckResult;
    try {
      result = await Promise.race([Promise.resolve().then(check.check), timeout]);
    } catch (error) {
      result = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
    const report: CheckReport = {
      name: check.name,
      ok: result.ok === true,
      required: check.required !== false && result.required !== false,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (result.detail !== undefined) report.detail = result.detail;
    return report;
  }
}
