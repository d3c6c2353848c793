import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { brotliCompressSync, constants } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import type { DatabaseError } from '../src/database-error.ts';
import { loadPgliteAssets, PGLITE_ASSETS, pgliteDistDir } from '../src/pglite-assets.ts';
import { createPgliteDatabase } from '../src/pglite-database.ts';
import { writeTemplate } from '../src/pglite-template.ts';
import { pgliteFixture } from '../src/testing/test-databases.ts';
import { databaseSuite } from './database-suite.ts';

databaseSuite(pgliteFixture);

/** Images use brotli's densest setting, which takes a minute; the format is the same at any quality. */
const fastBrotli = (bytes: Buffer) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });

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

  it('lets timers and sockets run between queued transactions, not only once the queue is empty', async () => {
    const db = await fixture.open();
    await db.query('CREATE TABLE ticks (n int)');
    const total = 300;
    let committed = 0;
    let committedWhenTimerFired: number | undefined;
    // A broker's acknowledgement or an HTTP request arrives like this: in a later turn of the event loop.
    setTimeout(() => {
      committedWhenTimerFired = committed;
    }, 1);
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO ticks VALUES ($1)', [n]);
          committed += 1;
        }),
      ),
    );
    assert.ok(
      committedWhenTimerFired !== undefined && committedWhenTimerFired < total,
      `the timer waited for all ${total} queued transactions`,
    );
  });

  it('runs a statement queued ahead before the transactions already waiting for the connection', async () => {
    const db = await fixture.open();
    await db.query('CREATE TABLE arrivals (seq serial, label text)');
    const waiting = Array.from({ length: 20 }, (_, n) =>
      db.transaction((tx) => tx.query('INSERT INTO arrivals (label) VALUES ($1)', [`request ${n}`])),
    );
    const ahead = db.queryAhead("INSERT INTO arrivals (label) VALUES ('ahead')");
    await Promise.all([...waiting, ahead]);
    const labels = (await db.query<{ label: string }>('SELECT label FROM arrivals ORDER BY seq')).rows.map(
      (row) => row.label,
    );
    assert.ok(labels.indexOf('ahead') <= 1, `ran after the queue: ${labels.join(', ')}`);
    assert.deepEqual(
      labels.filter((label) => label !== 'ahead'),
      Array.from({ length: 20 }, (_, n) => `request ${n}`),
    );
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

  it('sizes its buffer pool: 16 MB unless asked otherwise, on a new and on an existing database', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-pglite-'));
    after(() => rm(dataDir, { recursive: true, force: true }));
    const pool = async (db: Awaited<ReturnType<typeof createPgliteDatabase>>) =>
      (await db.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]?.shared_buffers;
    const first = await createPgliteDatabase({ dataDir });
    assert.equal(await pool(first), '16MB');
    await first.close();
    // The data directory's postgresql.conf says 128MB (initdb's default); the option wins over it.
    const second = await createPgliteDatabase({ dataDir, sharedBuffersMB: 40 });
    after(() => second.close());
    assert.equal(await pool(second), '40MB');
    for (const bad of [0, 1.5, 2048, Number.NaN]) {
      await assert.rejects(createPgliteDatabase({ sharedBuffersMB: bad }), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, /sharedBuffersMB must be an integer from 1 to 1024/);
        return true;
      });
    }
  });
});

describe('new PGlite databases start from a cached fresh database', () => {
  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-pglite-template-'));
    after(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }
  const tables = async (db: Awaited<ReturnType<typeof createPgliteDatabase>>) =>
    (
      await db.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
      )
    ).rows.map((row) => row.name);

  it('unpacks new databases, in memory and on disk, from the cache; an existing one is opened as it is', async () => {
    const dir = await scratch();
    const templateDir = join(dir, 'cache');
    // A cached database with a table in it shows that a new one was unpacked from it, not initialised anew.
    const source = await PGlite.create();
    await source.exec('CREATE TABLE from_template (id int)');
    await writeTemplate(templateDir, source);
    await source.close();

    const inMemory = await createPgliteDatabase({ templateDir });
    after(() => inMemory.close());
    assert.deepEqual(await tables(inMemory), ['from_template']);

    const dataDir = join(dir, 'nested', 'data');
    const onDisk = await createPgliteDatabase({ dataDir, templateDir });
    await onDisk.query('CREATE TABLE kept (value text)');
    await onDisk.close();
    const reopened = await createPgliteDatabase({ dataDir, templateDir });
    after(() => reopened.close());
    assert.deepEqual(await tables(reopened), ['from_template', 'kept']);

    const existingDir = join(dir, 'existing');
    const plain = await createPgliteDatabase({ dataDir: existingDir, templateDir: join(dir, 'other') });
    await plain.close();
    const existing = await createPgliteDatabase({ dataDir: existingDir, templateDir });
    after(() => existing.close());
    assert.deepEqual(await tables(existing), []);
  });

  it('unpacks new databases from a brotli-compressed dump, as images carry it', async () => {
    const dir = await scratch();
    const templateDir = join(dir, 'cache');
    const source = await PGlite.create();
    await source.exec('CREATE TABLE from_template (id int)');
    const tar = Buffer.from(await (await source.dumpDataDir('none')).arrayBuffer());
    await source.close();
    const packed = fastBrotli(tar);
    const { version } = JSON.parse(await readFile(join(pgliteDistDir(), '..', 'package.json'), 'utf8'));
    const digest = createHash('sha256').update(packed).digest('hex');
    await mkdir(templateDir);
    await writeFile(join(templateDir, `fresh-${version}-${digest}.tar.br`), packed);

    const db = await createPgliteDatabase({ dataDir: join(dir, 'data'), templateDir });
    after(() => db.close());
    assert.deepEqual(await tables(db), ['from_template']);
    assert.equal((await readdir(templateDir)).length, 1, 'the compressed dump was not used');
  });

  it('caches the first new database before anything is created in it, once', async () => {
    const dir = await scratch();
    const templateDir = join(dir, 'cache');
    const first = await createPgliteDatabase({ dataDir: join(dir, 'first'), templateDir });
    await first.query('CREATE TABLE only_in_first (id int)');
    await first.close();
    const [cached, ...more] = await readdir(templateDir);
    assert.ok(cached !== undefined && more.length === 0, `cache holds ${[cached, ...more]}`);
    const made = await stat(join(templateDir, cached));

    const second = await createPgliteDatabase({ dataDir: join(dir, 'second'), templateDir });
    after(() => second.close());
    assert.deepEqual(await tables(second), []);
    assert.deepEqual(await readdir(templateDir), [cached]);
    assert.equal((await stat(join(templateDir, cached))).mtimeMs, made.mtimeMs, 'the cache was rewritten');
  });

  it('initialises a database the slow way when the cached one is damaged, and replaces it', async () => {
    const dir = await scratch();
    const templateDir = join(dir, 'cache');
    const source = await PGlite.create();
    await source.exec('CREATE TABLE from_template (id int)');
    await writeTemplate(templateDir, source);
    await source.close();
    const [cached] = await readdir(templateDir);
    assert.ok(cached !== undefined);
    const damaged = Buffer.alloc(64 * 1024, 7);
    damaged.set([0x1f, 0x8b]);
    await writeFile(join(templateDir, cached), damaged);

    const db = await createPgliteDatabase({ dataDir: join(dir, 'data'), templateDir });
    after(() => db.close());
    await db.query('CREATE TABLE works (id int)');
    assert.deepEqual(await tables(db), ['works']);
    const replaced = await readdir(templateDir);
    assert.equal(replaced.length, 1);
    assert.notEqual(replaced[0], cached, 'the damaged file is still there');
    const next = await createPgliteDatabase({ templateDir });
    after(() => next.close());
    assert.deepEqual(await tables(next), []);
  });
});

describe('PGlite files compressed with brotli, as images carry them', () => {
  it('hands PGlite its WebAssembly builds and file bundle decompressed, and a database runs on them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-pglite-assets-'));
    after(() => rm(dir, { recursive: true, force: true }));
    assert.deepEqual(await loadPgliteAssets(dir), {}, 'options for files that are not there');
    for (const file of Object.keys(PGLITE_ASSETS)) {
      const bytes = await readFile(join(pgliteDistDir(), file));
      await writeFile(join(dir, `${file}.br`), fastBrotli(bytes));
    }
    const assets = await loadPgliteAssets(dir);
    assert.deepEqual(Object.keys(assets).sort(), ['fsBundle', 'initdbWasmModule', 'pgliteWasmModule']);
    const db = await PGlite.create(assets);
    after(() => db.close());
    assert.deepEqual((await db.query('SELECT 6 * 7 AS answer')).rows, [{ answer: 42 }]);
  });

  it('names the file that does not decompress', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-pglite-assets-'));
    after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'pglite.data.br'), Buffer.alloc(1024, 7));
    await assert.rejects(loadPgliteAssets(dir), /cannot decompress .*pglite\.data\.br/);
  });
});
