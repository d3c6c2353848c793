// Opaque page cursors for keyset pagination: the (createdAt, id) of the last item of a page.
import { AppError } from '../errors/app-error.ts';

// The form Date#toISOString writes, from year 0001 on: PostgreSQL refuses year 0 and six-digit years.
const ISO_TIMESTAMP = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodePageCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** A timestamp in exactly the form the API issues; `2026-02-30T...` or `1` would fail later, in SQL. */
function isIssuedTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value)) return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

/**
 * The position a cursor stands for; a cursor this API did not issue is a 400 `INVALID_CURSOR`. Decoding is
 * strict (a real timestamp and UUID, and the cursor must re-encode to itself) so that nothing a client
 * makes up reaches the query.
 */
export function decodePageCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      isIssuedTimestamp(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      UUID.test(parsed[1]) &&
      encodePageCursor(parsed[0], parsed[1]) === cursor
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // not base64url JSON: same answer as any other forged cursor
  }
  throw new AppError({
    code: 'INVALID_CURSOR',
    status: 400,
    title: 'Invalid cursor',
    detail: 'the cursor is not one this API issued',
  });
}
