// Per-key order around the retry topic: while a record of a key waits there, later records of the same
// key are parked behind it (in order) instead of being handled; other keys keep flowing.
import type { ParkedKeys } from '../../retry/parked-keys.ts';
import { recordId } from '../../retry/parked-keys.ts';
import type { RetryRouter } from '../../retry/retry-router.ts';
import type { Middleware } from '../message-pipeline.ts';

export function holdBackMiddleware(router: RetryRouter, parked: ParkedKeys): Middleware {
  return (next) => async (message) => {
    const key = message.record.key;
    if (key === null) {
      await next(message);
      return;
    }
    const { topic, partition } = message.origin;
    // A first delivery waits when an earlier record of its key is held; a copy from the retry topic when it
    // is not first in line. Only a copy can be in line already, so only a copy leaves it afterwards.
    const copy = message.retry !== undefined;
    const waiting = copy ? !parked.mayRun(topic, key, recordId(message.origin)) : parked.isHeld(topic, key);
    if (waiting) {
      // Taken in line before the copy is written; if writing fails the record is processed again and
      // finds its place unchanged.
      parked.holdLast(topic, key, partition, recordId(message.origin));
      await router.park(message);
      message.outcome = 'parked';
      return;
    }
    await next(message);
    if (message.outcome === 'retry-scheduled')
      parked.holdFirst(topic, key, partition, recordId(message.origin));
    else if (copy) parked.release(topic, key, recordId(message.origin));
  };
}
