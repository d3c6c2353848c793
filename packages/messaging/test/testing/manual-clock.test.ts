// The manual clock wakes sleepers only when time is moved past their deadline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/testing/manual-clock.ts';

describe('ManualClock', () => {
  it('wakes sleepers in deadline order once advanced past them, and lets aborted sleepers go', async () => {
    const clock = new ManualClock(1_000);
    const woke: string[] = [];
    const late = clock.sleep(50).then(() => woke.push('late'));
    const early = clock.sleep(10).then(() => woke.push('early'));
    const controller = new AbortController();
    const aborted = clock.sleep(5, controller.signal).catch((err) => woke.push(`aborted:${err}`));
    assert.deepEqual(clock.pendingDeadlines(), [1_005, 1_010, 1_050]);
    controller.abort('stop');
    await aborted;
    clock.advance(9);
    await Promise.resolve();
    assert.deepEqual(woke, ['aborted:stop']);
    clock.advance(41);
    await Promise.all([early, late]);
    assert.deepEqual(woke, ['aborted:stop', 'early', 'late']);
    assert.equal(clock.now(), 1_050);
    await clock.whenSleeping(undefined, 10).then(
      () => assert.fail('nobody sleeps'),
      (err: Error) => assert.match(err.message, /nobody slept/),
    );
  });
});
