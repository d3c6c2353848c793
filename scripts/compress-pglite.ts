// Used by the Dockerfile: brotli-compresses, in place, what PGlite loads from its package (its WebAssembly
// builds and its PostgreSQL installation's files, 15.6 MB → about 3.8 MB) and the cached dump of a fresh
// database (4.5 MB as PGlite's gzip → about 1.4 MB), which @tributary/database decompresses in memory when it
// opens a database (pglite-assets.ts, pglite-template.ts). Then opens two databases through them, one from
// the dump and one initialised anew, so that a build whose PGlite no longer takes them fails here.
//   node scripts/compress-pglite.ts [--modules DIR]   (default ./node_modules)

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { brotliCompress, constants, gunzip } from 'node:zlib';
import { createPgliteDatabase } from '@tributary/database';
import { PGLITE_ASSETS, pgliteDistDir } from '../packages/database/src/pglite-assets.ts';
import { defaultTemplateDir } from '../packages/database/src/pglite-template.ts';

const { values } = parseArgs({ options: { modules: { type: 'string', default: 'node_modules' } } });
const modules = resolve(values.modules);
const dist = pgliteDistDir();
if (!dist.startsWith(`${modules}/`)) {
  process.stderr.write(`PGlite resolves to ${dist}, outside ${modules}\n`);
  process.exit(1);
}

const compress = promisify(brotliCompress);
/** The densest brotli: slow to compress (a minute for all of it), as fast as any to decompress. */
async function brotli(bytes: Buffer): Promise<Buffer> {
  return compress(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

const report: string[] = [];
async function replace(path: string, compressedPath: (bytes: Buffer) => string, bytes: Buffer) {
  const packed = await brotli(bytes);
  await writeFile(compressedPath(packed), packed);
  await rm(path);
  report.push(`${path}: ${bytes.length} → ${packed.length} bytes`);
}

const template = await defaultTemplateDir();
if (template === undefined) throw new Error('PGlite is not installed');
const dumps = (await readdir(template)).filter((name) => /^fresh-.*\.tar\.gz$/.test(name));
if (dumps.length !== 1)
  throw new Error(`expected one dump of a fresh database in ${template}, found ${dumps.length}`);
const [dump] = dumps;
const version = dump.slice('fresh-'.length).replace(/-[0-9a-f]{64}\.tar\.gz$/, '');

await Promise.all([
  ...Object.keys(PGLITE_ASSETS).map(async (file) => {
    const path = join(dist, file);
    await replace(path, () => `${path}.br`, await readFile(path));
  }),
  (async () => {
    const path = join(template, dump);
    const tar = await promisify(gunzip)(await readFile(path));
    const named = (packed: Buffer) =>
      join(template, `fresh-${version}-${createHash('sha256').update(packed).digest('hex')}.tar.br`);
    await replace(path, named, tar);
  })(),
]);
process.stdout.write(`${report.join('\n')}\n`);

// Both ways a service opens a new database: from the dump, and (when the dump is unusable) with initdb.
const scratch = await mkdtemp(join(tmpdir(), 'pglite-check-'));
try {
  for (const templateDir of [template, join(scratch, 'no-template')]) {
    const database = await createPgliteDatabase({
      dataDir: join(scratch, 'data', String(Math.random())),
      templateDir,
    });
    const { rows } = await database.query<{ answer: number }>('SELECT 6 * 7 AS answer');
    await database.close();
    if (rows[0]?.answer !== 42) throw new Error(`PGlite answered ${JSON.stringify(rows)}`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
process.stdout.write('PGlite opens databases from the compressed files\n');
