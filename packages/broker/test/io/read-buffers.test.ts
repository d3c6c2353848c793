// The pool of fetch read buffers: large reads reuse memory once their response is written, and what the
// pool keeps between fetches stays within its bounds.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ReadBuffers, returnLeases } from '../../src/io/read-buffers.ts';

const MB = 1024 * 1024;

it('reuses a written read buffer and keeps at most its byte bound idle', () => {
  const pool = new ReadBuffers(4 * MB, 8, 6 * MB);
  const first = pool.acquire(3 * MB, 64 * 1024);
  assert.equal(first.length, 3 * MB);
  returnLeases([first]);
  assert.equal(pool.idleBytes, 3 * MB);
  const again = pool.acquire(2 * MB, 64 * 1024);
  assert.equal(again.buffer, first.buffer, 'the written buffer takes the next read');
  assert.equal(pool.idleBytes, 0);
  // Eight partitions read at once, then all written: only what fits the byte bound stays.
  const reads = Array.from({ length: 8 }, () => pool.acquire(2 * MB, 64 * 1024));
  returnLeases([again, ...reads]);
  assert.ok(pool.idleBytes <= 6 * MB, `idle ${pool.idleBytes}`);
  // Small and oversized reads are plain buffers, outside the pool.
  const small = pool.acquire(1000, 64 * 1024);
  const huge = pool.acquire(5 * MB, 64 * 1024);
  const before = pool.idleBytes;
  returnLeases([small, huge]);
  assert.equal(pool.idleBytes, before);
});
