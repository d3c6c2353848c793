import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  canTransition,
  DeadlineQueue,
  GROUP_STATES,
  GROUP_TRANSITIONS,
  systemTimers,
} from '../../src/groups/index.ts';
import { ManualTimers, silentLogger } from './coordinator-fixture.ts';

describe('deadline queue', () => {
  it('runs tasks in deadline order (then scheduling order) with a single armed timer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 50 }),
        (plan) => {
          const timers = new ManualTimers();
          const queue = new DeadlineQueue(timers, silentLogger);
          const start = timers.now();
          const ran: number[] = [];
          plan.forEach(([delay, cancel], i) => {
            const d = queue.schedule(start + delay, () => ran.push(i));
            if (cancel) d.cancel();
            assert.ok(timers.armed <= 1);
          });
          timers.advance(1000);
          const expected = plan
            .map(([delay, cancel], i) => ({ delay, cancel, i }))
            .filter((e) => !e.cancel)
            .sort((a, b) => a.delay - b.delay || a.i - b.i)
            .map((e) => e.i);
          assert.deepEqual(ran, expected);
        },
      ),
    );
  });

  it('does not run a task before its deadline', () => {
    const timers = new ManualTimers();
    const queue = new DeadlineQueue(timers, silentLogger);
    let ran = false;
    queue.schedule(timers.now() + 100, () => {
      ran = true;
    });
    timers.advance(99);
    assert.equal(ran, false);
    timers.advance(1);
    assert.equal(ran, true);
  });

  it('keeps running later tasks when one throws', () => {
    const timers = new ManualTimers();
    const queue = new DeadlineQueue(timers, silentLogger);
    const ran: string[] = [];
    queue.schedule(timers.now() + 1, () => {
      throw new Error('boom');
    });
    queue.schedule(timers.now() + 2, () => ran.push('after'));
    timers.advance(5);
    assert.deepEqual(ran, ['after']);
  });

  it('fires on real timers', async () => {
    const queue = new DeadlineQueue(systemTimers, silentLogger);
    const fired = await new Promise<number>((resolve) => {
      const start = systemTimers.now();
      queue.schedule(start + 30, () => resolve(systemTimers.now() - start));
    });
    assert.ok(fired >= 29, `fired after ${fired} ms`);
    queue.close();
  });

  it('runs nothing and holds no timer once closed', () => {
    const timers = new ManualTimers();
    const queue = new DeadlineQueue(timers, silentLogger);
    let ran = false;
    queue.schedule(timers.now() + 10, () => {
      ran = true;
    });
    queue.close();
    assert.equal(timers.armed, 0);
    queue.schedule(timers.now() + 10, () => {
      ran = true;
    });
    timers.advance(100);
    assert.equal(ran, false);
  });

  it('drops cancelled entries once they are most of the heap', () => {
    const timers = new ManualTimers();
    const queue = new DeadlineQueue(timers, silentLogger);
    const deadlines = Array.from({ length: 5000 }, (_, i) =>
      queue.schedule(timers.now() + 1000 + i, () => {}),
    );
    for (const d of deadlines.slice(0, 4000)) d.cancel();
    assert.ok(queue.size < 2500, `heap holds ${queue.size} entries`);
  });
});

describe('group state table', () => {
  it('allows exactly the transitions of the classic protocol', () => {
    const allowed = GROUP_STATES.flatMap((from) =>
      GROUP_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    assert.deepEqual(allowed.sort(), [
      'CompletingRebalance→Dead',
      'CompletingRebalance→PreparingRebalance',
      'CompletingRebalance→Stable',
      'Dead→Dead',
      'Empty→Dead',
      'Empty→PreparingRebalance',
      'PreparingRebalance→CompletingRebalance',
      'PreparingRebalance→Dead',
      'PreparingRebalance→Empty',
      'Stable→Dead',
      'Stable→PreparingRebalance',
    ]);
    assert.equal(Object.keys(GROUP_TRANSITIONS).length, GROUP_STATES.length);
  });
});
