// The chained context answers every lookup as the OpenTelemetry API's own context does, after any sequence
// of values set and deleted, and leaves the contexts it was made from unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CHAINED_ROOT } from '../../src/telemetry/chained-context.ts';

const KEYS = [createContextKey('a'), createContextKey('b'), createContextKey('c'), createContextKey('d')];

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

describe('CHAINED_ROOT', () => {
  it('holds nothing', () => {
    for (const key of KEYS) assert.equal(CHAINED_ROOT.getValue(key), undefined);
  });

  it('agrees with the API context over random sequences of set and delete', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      // Both sides take the same steps; every step may branch from any earlier context.
      const ours: Context[] = [CHAINED_ROOT];
      const theirs: Context[] = [ROOT_CONTEXT];
      for (let step = 0; step < 40; step++) {
        const from = next(ours.length);
        const key = KEYS[next(KEYS.length)]!;
        if (next(3) === 0) {
          ours.push(ours[from]!.deleteValue(key));
          theirs.push(theirs[from]!.deleteValue(key));
        } else {
          const value = next(2) === 0 ? `v${step}` : undefined;
          ours.push(ours[from]!.setValue(key, value));
          theirs.push(theirs[from]!.setValue(key, value));
        }
        for (let i = 0; i < ours.length; i++) {
          for (const k of KEYS) {
            assert.equal(
              ours[i]!.getValue(k),
              theirs[i]!.getValue(k),
              `seed ${seed}, step ${step}, context ${i}, key ${k.toString()}`,
            );
          }
        }
      }
    }
  });

  it('carries a span the trace API sets and reads', () => {
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    };
    const withSpan = trace.setSpanContext(CHAINED_ROOT, spanContext);
    assert.deepEqual(trace.getSpanContext(withSpan), spanContext);
    assert.equal(trace.getSpanContext(CHAINED_ROOT), undefined);
    assert.equal(trace.getSpanContext(trace.deleteSpan(withSpan)), undefined);
  });
});
