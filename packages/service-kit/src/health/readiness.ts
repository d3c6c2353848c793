// Readiness checks a service registers (database reachable, producer connected, group joined, ...) and
// the report built from running them all at once, each bounded by a timeout.
import { type Static, Type } from 'typebox';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<CheckResult>;
}

export const CheckReport = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  durationMs: Type.Number(),
});

export const ReadinessReport = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
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

  async run(): Promise<ReadinessReport> {
    const checks = await Promise.all(this.#checks.map((check) => this.#runOne(check)));
    return { status: checks.every((check) => check.ok) ? 'ready' : 'not_ready', checks };
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
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (result.detail !== undefined) report.detail = result.detail;
    return report;
  }
}
