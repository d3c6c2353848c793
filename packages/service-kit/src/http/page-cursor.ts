// Opaque page cursors for keyset pagination: the (createdAt, id) of the last item of a page.
import { AppError } from '../errors/app-error.ts';

export function encodePageCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** The position a cursor stands for; a cursor this API did not issue is a 400 `INVALID_CURSOR`. */
export function decodePageCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      typeof parsed[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(parsed[1])
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
