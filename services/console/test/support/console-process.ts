// The console started as a user would (`node src/server.ts`) in a process group of its own, its JSON log
// lines collected; `kill` ends the group at once (SIGKILL), as a crash or an OOM kill would.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export interface ConsoleProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** The base URL once the console serves. */
  readonly ready: Promise<string>;
  kill(): Promise<void>;
}

export function startConsoleProcess(env: Record<string, string>): ConsoleProcess {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.msg === 'service ready' && typeof parsed.url === 'string') resolve(parsed.url);
      } catch {
        lines.push({ msg: line });
      }
    });
    void exited.then(() => reject(new Error(`the console exited before it was ready: ${stderr}`)));
  });
  return {
    child,
    lines,
    ready,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await exited;
    },
  };
}
