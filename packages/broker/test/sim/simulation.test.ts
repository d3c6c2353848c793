// The storage simulation over a bounded number of seeds (`npm run sim:broker -- --seeds N` runs more).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantViolation, simulate } from './simulation.ts';

const SEEDS = 150;
const LONG_SEEDS = 12;

describe('broker storage under a simulated faulty disk', () => {
  it(`keeps every acknowledged record, never changes what a reader saw, and agrees with idempotence over ${SEEDS} random schedules of produces, crashes, power cuts and disk faults`, async () => {
    const totals = {
      acknowledged: 0,
      powerCuts: 0,
      crashes: 0,
      failedSyncs: 0,
      failedWrites: 0,
      offline: 0,
      commits: 0,
      offsetDeletions: 0,
    };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const report = await simulate(seed).catch((err: unknown) => {
        if (err instanceof InvariantViolation)
          assert.fail(`${err.message}\nreplay: npm run sim:broker -- --from ${err.seed} --seeds 1`);
        throw err;
      });
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += report[k];
    }
    // The schedules must really have exercised what they claim to.
    assert.ok(totals.acknowledged > 1000, `acknowledged ${totals.acknowledged}`);
    assert.ok(totals.powerCuts > 100 && totals.crashes > 100, JSON.stringify(totals));
    assert.ok(totals.commits > 100 && totals.offsetDeletions > 10, JSON.stringify(totals));
    assert.ok(
      totals.failedSyncs > 10 && totals.failedWrites > 10 && totals.offline > 0,
      JSON.stringify(totals),
    );
  });

  it('keeps every acknowledged commit over long schedules, where the offsets journal is compacted while faults strike', async () => {
    // 2,000 steps grow the offsets journal past its compaction threshold several times. The first four
    // seeds are schedules in which a crash between a compaction's rename and its directory sync once lost
    // acknowledged commits; the rest are consecutive.
    const seeds = [530_308, 531_132, 532_004, 533_289];
    for (let seed = 500_000; seeds.length < LONG_SEEDS; seed++) seeds.push(seed);
    for (const seed of seeds) {
      await simulate(seed, 2000).catch((err: unknown) => {
        if (err instanceof InvariantViolation)
          assert.fail(
            `${err.message}\nreplay: npm run sim:broker -- --from ${err.seed} --seeds 1 --steps 2000`,
          );
        throw err;
      });
    }
  });

  it('replays a seed exactly', async () => {
    assert.deepEqual(await simulate(7), await simulate(7));
  });
});
