// `npm run sim:broker -- --seeds 1000 [--from 1] [--steps 250]`: runs the storage simulation over many
// seeds and prints the first failing seed (replay it with `--from <seed> --seeds 1`).
import { parseArgs } from 'node:util';
import { InvariantViolation, simulate } from './simulation.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    from: { type: 'string', default: '1' },
    steps: { type: 'string', default: '250' },
  },
});
const count = Number(values.seeds);
const from = Number(values.from);
const steps = Number(values.steps);
for (const [name, v] of [
  ['seeds', count],
  ['from', from],
  ['steps', steps],
] as const) {
  if (!Number.isSafeInteger(v) || v < 1) {
    console.error(`sim:broker: --${name} must be a positive integer (got ${String(v)})`);
    process.exit(2);
  }
}
const totals = {
  produced: 0,
  acknowledged: 0,
  powerCuts: 0,
  crashes: 0,
  restarts: 0,
  failedSyncs: 0,
  failedWrites: 0,
  commits: 0,
  offsetDeletions: 0,
};
const started = performance.now();
for (let seed = from; seed < from + count; seed++) {
  try {
    const r = await simulate(seed, steps);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r[k];
  } catch (err) {
    if (err instanceof InvariantViolation) {
      console.error(
        `FAILED ${err.message}\nreplay: npm run sim:broker -- --from ${seed} --seeds 1 --steps ${steps}`,
      );
    } else {
      console.error(`FAILED seed ${seed} with an unexpected error:`, err);
    }
    process.exit(1);
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${count} seeds (${from}..${from + count - 1}), ${steps} steps each, all invariants held in ${seconds} s`,
);
console.log(JSON.stringify(totals));
