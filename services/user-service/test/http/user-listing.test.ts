// Listing users in pages: default and bounded page sizes, (createdAt, id) order across equal timestamps,
// the last page, and cursors that were not issued by the service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildUserApp } from '../../src/app.ts';
import { type DbKind, openTestDatabase } from '../support/db-fixture.ts';

interface Page {
  items: { id: string; createdAt: string; name: string }[];
  nextCursor: string | null;
}

for (const kind of ['pglite', 'postgres'] as DbKind[]) {
  describe(`listing users on ${kind}`, () => {
    let app: App;
    let drop: () => Promise<void>;
    // A clock the test moves: registrations at the same instant must still page in a stable order.
    let clock = new Date('2026-01-01T00:00:00.000Z');

    const register = async (name: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/users',
        payload: { email: `${name.toLowerCase()}@example.com`, name },
      });
      assert.equal(res.statusCode, 201);
      return res.json() as { id: string };
    };
    const page = async (query: string) => {
      const res = await app.inject({ url: `/users${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as Page;
    };

    before(async () => {
      const opened = await openTestDatabase(kind);
      drop = opened.drop;
      ({ app } = await buildUserApp({ db: opened.db, logger: pino({ level: 'silent' }), now: () => clock }));
      await app.ready();
    });
    after(async () => {
      await app.close();
      await drop();
    });

    it('answers an empty first page with no next cursor when there are no users', async () => {
      assert.deepEqual(await page(''), { items: [], nextCursor: null });
    });

    it('pages by (createdAt, id): users registered at the same instant come in id order, none twice', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await register(`Same${i}`)).id);
      clock = new Date('2026-01-01T00:00:01.000Z');
      const later = await register('Later');

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p: Page = await page(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        assert.ok(p.items.length <= 2);
        seen.push(...p.items.map((u) => u.id));
        cursor = p.nextCursor;
        if (cursor !== null) assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'cursor is base64url');
        pages++;
      } while (cursor !== null);
      assert.deepEqual(seen, [...ids.sort(), later.id]);
      assert.equal(pages, 3, 'six users in pages of two: the third page is the last');
    });

    it('returns 20 users by default, then the rest with a null next cursor', async () => {
      for (let i = 0; i < 16; i++) {
        clock = new Date(clock.getTime() + 1000);
        await register(`Many${i}`);
      }
      const first = await page('');
      assert.equal(first.items.length, 20);
      assert.notEqual(first.nextCursor, null);
      const rest = await page(`?cursor=${first.nextCursor}`);
      assert.deepEqual(
        rest.items.map((u) => u.name),
        ['Many14', 'Many15'],
      );
      assert.equal(rest.nextCursor, null);
      const all = await page('?limit=100');
      assert.equal(all.items.length, 22);
      assert.equal(all.nextCursor, null);
    });

    it('refuses page sizes outside 1..100 and unknown query parameters with a 400 problem', async () => {
      for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=-1', '?offset=3', '?limit=2.5']) {
        const res = await app.inject({ url: `/users${query}` });
        assert.equal(res.statusCode, 400, query);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        assert.equal(res.json().code, 'VALIDATION_FAILED', query);
      }
      const fraction = (await app.inject({ url: '/users?limit=2.5' })).json();
      assert.equal(fraction.title, 'Validation failed');
      assert.equal(fraction.detail, 'The query string does not match its schema.');
      assert.deepEqual(fraction.errors, [{ path: '/query/limit', message: fraction.errors[0].message }]);
      assert.match(fraction.errors[0].message, /integer/);
    });

    it('refuses cursors it did not issue with 400 INVALID_CURSOR', async () => {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const cursor of [
        'not base64 at all!',
        encode({ createdAt: '2026-01-01T00:00:00.000Z' }),
        encode(['yesterday', '00000000-0000-4000-8000-000000000000']),
        encode(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
        // Pass a loose check, then fail in SQL: a date part of "1", an "id" of 36 dashes, a day that is not.
        encode(['1', '00000000-0000-4000-8000-000000000000']),
        encode(['2026-01-01T00:00:00.000Z', '-'.repeat(36)]),
        encode(['2026-02-30T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
        encode(['0000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      ]) {
        const res = await app.inject({ url: `/users?cursor=${encodeURIComponent(cursor)}` });
        assert.equal(res.statusCode, 400, cursor);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, 'INVALID_CURSOR', cursor);
        assert.equal(problem.title, 'Invalid cursor');
        assert.equal(problem.detail, 'the cursor is not one this API issued');
      }
    });
  });
}
