// Who did what to the cluster through the console, when, and how it ended: appended as JSON lines to a
// file (kept across restarts) and served newest first.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonLines } from '../json-lines.ts';

export interface AuditEntry {
  at: string;
  who: string;
  action: string;
  target: string;
  /** started, then cancelled, interrupted or partial (some failed): a background redrive job. */
  outcome: 'ok' | 'failed' | 'dry-run' | 'started' | 'cancelled' | 'interrupted' | 'partial';
  detail: string;
}

const KEEP_IN_MEMORY = 1_000;

export class AuditLog {
  readonly #file: string | undefined;
  readonly #entries: AuditEntry[] = [];
  readonly #now: () => Date;

  constructor(options: { file?: string; now?: () => Date } = {}) {
    this.#file = options.file;
    this.#now = options.now ?? (() => new Date());
  }

  /** Loads the entries an earlier run wrote (a damaged line is skipped, a torn last one cut). */
  async load(): Promise<void> {
    if (this.#file === undefined) return;
    for (const line of await readJsonLines(this.#file)) {
      try {
        this.#entries.push(JSON.parse(line) as AuditEntry);
      } catch {
        // Not JSON: what a power cut left in place of a line (zeros).
      }
    }
    if (this.#entries.length > KEEP_IN_MEMORY) this.#entries.splice(0, this.#entries.length - KEEP_IN_MEMORY);
  }

  async record(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
    const full = { at: this.#now().toISOString(), ...entry };
    this.#entries.push(full);
    if (this.#entries.length > KEEP_IN_MEMORY) this.#entries.shift();
    if (this.#file !== undefined) {
      await mkdir(dirname(this.#file), { recursive: true });
      await appendFile(this.#file, `${JSON.stringify(full)}\n`);
    }
    return full;
  }

  recent(limit = 200): AuditEntry[] {
    return this.#entries.slice(-limit).reverse();
  }
}
