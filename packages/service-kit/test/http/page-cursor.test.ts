import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AppError, decodePageCursor, encodePageCursor } from '../../src/index.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ID = '00000000-0000-4000-8000-000000000000';
const AT = '2026-01-01T00:00:00.000Z';

function assertInvalid(cursor: string) {
  assert.throws(
    () => decodePageCursor(cursor),
    (err: unknown) =>
      err instanceof AppError &&
      err.code === 'INVALID_CURSOR' &&
      err.status === 400 &&
      err.title === 'Invalid cursor',
    cursor,
  );
}

describe('page cursors', () => {
  test('decode what they encode, for every timestamp PostgreSQL can store and every UUID', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00.000Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.uuid(),
        (date, id) => {
          const createdAt = date.toISOString();
          assert.deepEqual(decodePageCursor(encodePageCursor(createdAt, id)), { createdAt, id });
        },
      ),
    );
  });

  test('refuse timestamps that are not the ISO form the API issues', () => {
    for (const createdAt of [
      '1',
      '2026',
      '2026-01-01',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000+01:00',
      '2026-02-30T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      'Thu, 01 Jan 2026 00:00:00 GMT',
    ]) {
      assertInvalid(encode([createdAt, ID]));
    }
  });

  test('refuse ids that are not UUIDs, even of the right length', () => {
    for (const id of [
      '-'.repeat(36),
      'f'.repeat(36),
      '00000000000000000000000000000000',
      `${ID.slice(0, 35)}g`,
      42,
    ]) {
      assertInvalid(encode([AT, id]));
    }
  });

  test('refuse anything else: not base64url JSON, wrong shape, or not in the form the API writes', () => {
    for (const cursor of [
      '',
      'not base64 at all!',
      encode({ createdAt: AT, id: ID }),
      encode([AT]),
      encode([AT, ID, 'extra']),
      Buffer.from(`[ "${AT}", "${ID}" ]`).toString('base64url'),
      `${encodePageCursor(AT, ID)}!!`,
      Buffer.from(JSON.stringify([AT, ID])).toString('base64'),
    ]) {
      assertInvalid(cursor);
    }
  });
});
