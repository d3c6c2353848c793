// Merges the processes' log lines into one stream, each prefixed with its process name: pretty on a
// terminal, JSON (with a `process` field) when piped.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export type LogFormat = 'pretty' | 'json';

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const RESET = '\x1b[0m';

export class LogStream {
  readonly #out: Writable;
  readonly #format: LogFormat;
  readonly #pretty: ((entry: unknown) => string) | undefined;
  readonly #width: number;
  #colorIndex = 0;

  /** `pretty` formats one entry for humans (pino-pretty's, loaded by the caller only when needed). */
  constructor(out: Writable, format: LogFormat, names: string[], pretty?: (entry: unknown) => string) {
    this.#out = out;
    this.#format = format;
    this.#pretty = pretty;
    this.#width = Math.max(...names.map((n) => n.length));
  }

  /** Prefixes every line `input` emits; calls `onEntry` with each parsed JSON log entry. */
  attach(name: string, input: Readable, onEntry?: (entry: Record<string, unknown>) => void): void {
    const color = COLORS[this.#colorIndex++ % COLORS.length];
    const label = name.padEnd(this.#width);
    createInterface({ input }).on('line', (line) => {
      let entry: Record<string, unknown> | undefined;
      if (line.startsWith('{')) {
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = undefined;
        }
      }
      if (entry) onEntry?.(entry);
      this.write(name, label, color, line, entry);
    });
  }

  /** A line of the launcher's own; `fields` go into the JSON form only. */
  info(message: string, fields?: Record<string, unknown>): void {
    this.#own(30, message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.#own(40, message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.#own(50, message, fields);
  }

  #own(level: number, message: string, fields: Record<string, unknown> | undefined): void {
    if (this.#format === 'json') {
      this.#out.write(
        `${JSON.stringify({ level, time: Date.now(), process: 'start', ...fields, msg: message })}\n`,
      );
    } else {
      const color = level >= 50 ? '\x1b[31m' : level >= 40 ? '\x1b[33m' : '';
      this.#out.write(color === '' ? `${message}\n` : `${color}${message}${RESET}\n`);
    }
  }

  write(name: string, label: string, color: string, line: string, entry?: Record<string, unknown>): void {
    if (this.#format === 'json') {
      this.#out.write(
        `${entry ? JSON.stringify({ process: name, ...entry }) : JSON.stringify({ process: name, msg: line })}\n`,
      );
      return;
    }
    const text = entry && this.#pretty ? this.#pretty(entry).trimEnd() : line;
    this.#out.write(`${color}${label}${RESET} | ${text}\n`);
  }
}
