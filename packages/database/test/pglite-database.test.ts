import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DatabaseError } from '../src/database-error.ts';
import { createPgliteDatabase } from '../src/pglite-database.ts';
import { pgliteFixture } from '../src/testing/test-databases.ts';
import { databaseSuite } from './database-suite.ts';

databaseSuite(pgliteFixture);

describe('database port on pglite only', () => {
  const fixture = pgliteFixture();
  after(() => fixture.close());

  it('runs concurrent transactions one after the other, plain queries waiting their turn', async () => {
    const db = await fixture.open();
    await db.query('CREATE TABLE steps (seq serial, label text)');
    const turns = Array.from({ length: 5 }, (_, index) =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO steps (label) VALUES ($1)', [`begin ${index}`]);
        await new Promise((resolve) => setImmediate(resolve));
        await tx.query('INSERT INTO steps (label) VALUES ($1)', [`end ${index}`]);
      }),
    );
    const outside = db.query("INSERT INTO steps (label) VALUES ('outside')");
    await Promise.all([...turns, outside]);
    const labels = (await db.query<{ label: string }>('SELECT label FROM steps ORDER BY seq')).rows.map(
      (row) => row.label,
    );
    const inside = labels.filter((label) => label !== 'outside');
    for (let index = 0; index < inside.length; index += 2) {
      assert.equal(
        inside[index]?.replace('begin', 'end'),
        inside[index + 1],
        `interleaved: ${labels.join(', ')}`,
      );
    }
    const outsideAt = labels.indexOf('outside');
    assert.ok(labels[outsideAt - 1]?.startsWith('end') ?? true, `query ran inside a transaction: ${labels}`);
  });

  it('keeps its data in a directory across close and reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-pglite-'));
    after(() => rm(dataDir, { recursive: true, force: true }));
    const first = await createPgliteDatabase({ dataDir });
    await first.query('CREATE TABLE kept (value text)');
    await first.query('INSERT INTO kept VALUES ($1)', ['still here']);
    await first.close();
    await assert.rejects(first.query('SELECT 1'), (error) => (error as DatabaseError).code === 'DB_CLOSED');
    const second = await createPgliteDatabase({ dataDir });
    after(() => second.close());
    assert.deepEqual((await second.query('SELECT value FROM kept')).rows, [{ value: 'still here' }]);
  });
});
