// For bench:start: runs `npm start` (the launcher) once on a data directory, timestamps every JSON log line
// as it arrives and turns the lines into the phases of the start: when each process was spawned, listened,
// opened and migrated its database, joined its consumer group and became ready; and how much CPU time each
// process had used by then (Linux: /proc), since on a loaded machine wall time alone says little.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/e2e/support/free-port.ts';

const LAUNCHER = fileURLToPath(new URL('../scripts/start/launch.js', import.meta.url));

/** Milliseconds after the launcher was spawned at which each phase was first seen. */
export interface StartPhases {
  allReady: number;
  brokerSpawned: number;
  brokerListening: number;
  brokerReady: number;
  services: Record<'users' | 'orders', ServicePhases>;
  /** CPU milliseconds (user + system) each process had used when all were ready; NaN where unknown. */
  cpu: Record<'start' | 'broker' | 'users' | 'orders' | 'console', number>;
}

export interface ServicePhases {
  spawned: number;
  /** Modules loaded and HTTP listening (the services listen before their database is open). */
  listening: number;
  pgliteOpen: number;
  migrated: number;
  /** Orders only: the consumer got its partitions. */
  assigned: number;
  ready: number;
}

type Line = Record<string, unknown> & { at: number };

/** Linux counts CPU time in clock ticks of 10 ms (USER_HZ is 100 on every architecture it runs on). */
const TICK_MS = 10;

/** User + system CPU milliseconds `pid` has used so far, NaN when /proc cannot tell. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // The command name (field 2) may hold spaces; the fields after it are counted from its closing ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}

function firstAt(lines: Line[], match: (l: Line) => boolean, what: string): number {
  const line = lines.find(match);
  if (line === undefined) throw new Error(`no log line for ${what}`);
  return line.at;
}

/** `compileCacheDir`: where the launcher and its children keep Node's compile cache (its own default if unset). */
export async function runStart(dataDir: string, compileCacheDir?: string): Promise<StartPhases> {
  const env = {
    ...process.env,
    ...(compileCacheDir === undefined ? {} : { NODE_COMPILE_CACHE: compileCacheDir }),
    TRIBUTARY_DATA_DIR: dataDir,
    BROKER_PORT: String(await freePort()),
    USER_SERVICE_PORT: String(await freePort()),
    CONSOLE_PORT: String(await freePort()),
    ORDER_SERVICE_PORT: String(await freePort()),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug',
  };
  const started = performance.now();
  const child = spawn(process.execPath, [LAUNCHER], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: Line[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const pids: Record<string, number | undefined> = { start: child.pid };
  const cpu = {} as StartPhases['cpu'];
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (text) => {
        if (!text.startsWith('{')) return;
        const line: Line = {
          ...(JSON.parse(text) as Record<string, unknown>),
          at: performance.now() - started,
        };
        lines.push(line);
        if (line.process === 'start' && typeof line.child === 'string' && typeof line.pid === 'number')
          pids[line.child] = line.pid;
        if (line.process === 'start' && String(line.msg).includes('Tributary is up')) {
          for (const name of ['start', 'broker', 'users', 'orders', 'console'] as const)
            cpu[name] = cpuMs(pids[name]);
          resolve();
        }
      });
      exited.then((code) => {
        const launcherLines = lines.filter(
          (l) => l.process === 'start' || l.level === undefined || Number(l.level) >= 50,
        );
        const tail = launcherLines.slice(-15).map((l) => `${l.process} ${l.msg}`);
        reject(new Error(`launcher exited with ${code}\n${stderr}\n${tail.join('\n')}`));
      });
    });
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    if (code !== 0 && code !== null) process.stderr.write(`launcher stopped with ${code}\n`);
  }
  const of = (proc: string, msg: string) =>
    firstAt(lines, (l) => l.process === proc && l.msg === msg, `${proc}: ${msg}`);
  const launcher = (text: string) =>
    firstAt(lines, (l) => l.process === 'start' && String(l.msg).startsWith(text), text);
  const service = (name: 'users' | 'orders'): ServicePhases => ({
    spawned: launcher(`${name} started`),
    listening: of(name, 'service listening'),
    pgliteOpen: of(name, 'PGlite database open'),
    migrated: of(name, 'database ready'),
    assigned: name === 'orders' ? of(name, 'assigned') : Number.NaN,
    ready: launcher(`${name} ready after`),
  });
  return {
    allReady: launcher('\nTributary is up'),
    brokerSpawned: launcher('broker started'),
    brokerListening: of('broker', 'broker listening'),
    brokerReady: launcher('broker ready after'),
    services: { users: service('users'), orders: service('orders') },
    cpu,
  };
}
