// bench:start: where the time of `npm start` goes. Alternating rounds of (a) the very first start: a fresh
// data directory and an empty compile cache (as right after `npm ci`), (b) another fresh data directory with
// the cache (a) left, (c) the same directory again (a restart), (d) the broker alone and a bare Node.js TCP
// server answering one Kafka Metadata request; medians are printed with each phase of the start, the CPU time
// each process used, and the ratios to the goals (fresh 3 s, restart 1.5 s, broker 150 ms) and to the bare
// server launched the same way.
//
//   npm run bench:start [-- --rounds 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/e2e/support/free-port.ts';
import { firstMetadataMs } from './first-metadata.ts';
import { runStart, type StartPhases } from './start-phases.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const BROKER = fileURLToPath(new URL('../packages/broker/src/bin/tributary-broker.js', import.meta.url));
const STUB = fileURLToPath(new URL('./metadata-stub.js', import.meta.url));

const median = (xs: number[]) => {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};
const ms = (x: number) => (Number.isNaN(x) ? '    -' : `${Math.round(x)}`.padStart(5));

const first: StartPhases[] = [];
const fresh: StartPhases[] = [];
const restart: StartPhases[] = [];
const broker: number[] = [];
const stub: number[] = [];
const temp = await mkdtemp(join(tmpdir(), 'tributary-bench-start-'));
try {
  for (let round = 1; round <= rounds; round++) {
    const compileCache = join(temp, `compile-cache-${round}`);
    first.push(await runStart(join(temp, `first-${round}`), compileCache));
    const dataDir = join(temp, `round-${round}`);
    fresh.push(await runStart(dataDir, compileCache));
    restart.push(await runStart(dataDir, compileCache));
    const brokerPort = await freePort();
    broker.push(
      await firstMetadataMs(
        [
          BROKER,
          '--port',
          String(brokerPort),
          '--data-dir',
          join(temp, `broker-${round}`),
          '--log-level',
          'warn',
        ],
        brokerPort,
      ),
    );
    const stubPort = await freePort();
    stub.push(await firstMetadataMs([STUB, String(stubPort)], stubPort));
    process.stdout.write(
      `round ${round}: first start ${ms(first.at(-1)!.allReady)} ms, fresh ${ms(fresh.at(-1)!.allReady)} ms, restart ${ms(restart.at(-1)!.allReady)} ms, ` +
        `broker first Metadata ${ms(broker.at(-1)!)} ms (bare Node server ${ms(stub.at(-1)!)} ms)\n`,
    );
  }
} finally {
  await rm(temp, { recursive: true, force: true });
}

function report(label: string, runs: StartPhases[], goalMs: number): void {
  const m = (pick: (p: StartPhases) => number) => median(runs.map(pick));
  const all = m((p) => p.allReady);
  console.log(
    `\n${label}: all ready after ${ms(all)} ms (median of ${runs.length}), ${(all / goalMs).toFixed(2)}× the goal of ${goalMs} ms`,
  );
  console.log(
    `  broker   spawned ${ms(m((p) => p.brokerSpawned))}  listening +${ms(m((p) => p.brokerListening - p.brokerSpawned))}  ready +${ms(m((p) => p.brokerReady - p.brokerListening))}`,
  );
  console.log(
    '  service  spawned  modules+HTTP  PGlite open  migrations  group join  ready    (ms after the previous phase)',
  );
  for (const name of ['users', 'orders'] as const) {
    const s = (pick: (p: StartPhases['services']['users']) => number) => m((p) => pick(p.services[name]));
    console.log(
      `  ${name.padEnd(7)}  ${ms(s((x) => x.spawned))}  ${ms(s((x) => x.listening - x.spawned)).padStart(12)}  ` +
        `${ms(s((x) => x.pgliteOpen - x.listening)).padStart(11)}  ${ms(s((x) => x.migrated - x.pgliteOpen)).padStart(10)}  ` +
        `${ms(s((x) => x.assigned - x.migrated)).padStart(10)}  ${ms(s((x) => x.ready - (Number.isNaN(x.assigned) ? x.migrated : x.assigned))).padStart(5)}`,
    );
  }
  const names = ['start', 'broker', 'users', 'orders', 'console'] as const;
  const cpu = names.map((name) => m((p) => p.cpu[name]));
  const total = m((p) => names.reduce((sum, name) => sum + p.cpu[name], 0));
  console.log(
    `  CPU time used by then: ${names.map((name, i) => `${name === 'start' ? 'launcher' : name} ${ms(cpu[i]).trim()}`).join(', ')}; ` +
      `all ${ms(total).trim()} ms (${(total / all).toFixed(2)} cores busy on average)`,
  );
}

report('first start (fresh data, empty compile cache)', first, 3000);
report('fresh data', fresh, 3000);
report('restart', restart, 1500);
const b = median(broker);
const s = median(stub);
console.log(
  `\nbroker: first Metadata answered ${ms(b)} ms after launch (median), ${(b / 150).toFixed(2)}× the goal of 150 ms; ` +
    `a bare Node.js server launched the same way: ${ms(s)} ms (broker/bare ${(b / s).toFixed(2)}×)`,
);
