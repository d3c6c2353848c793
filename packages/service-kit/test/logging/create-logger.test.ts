// The process logger: each line carries its own fields only, and the active span's ids when there is one.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/index.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

test('a line outside any span carries its own fields, none of an earlier line', async () => {
  const { lines, destination } = capture();
  const logger = createLogger({ name: 'test', destination });
  logger.info({ attempt: 3, error: 'broker down' }, 'first');
  logger.child({ component: 'relay' }).info({ applied: ['001'] }, 'second');
  logger.info('third');
  await new Promise((resolve) => setImmediate(resolve));
  const [first, second, third] = lines;
  assert.equal(first.attempt, 3);
  assert.equal(second.attempt, undefined, 'a field of the first line leaked into the second');
  assert.deepEqual(second.applied, ['001']);
  for (const field of ['attempt', 'error', 'applied', 'component'])
    assert.equal(third[field], undefined, `${field} leaked into the third line`);
  assert.equal(third.trace_id, undefined);
});
