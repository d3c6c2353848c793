// A new PGlite database runs initdb inside WASM, which takes seconds; unpacking a dump of a freshly
// initialised database takes a fraction of that. The dump is made once per PGlite release and kept in
// `node_modules/.cache/tributary-pglite/` (made by `npm ci`'s postinstall, or by the first new database),
// so every later new database, in `npm start` and in tests, starts from it. The cache is only an
// optimisation: when it is missing, damaged or not writable, databases are initialised the slow way.
//
// The file is named `fresh-<PGlite version>-<SHA-256 of its bytes>.tar.gz`: a dump of another release is
// never used, and a damaged file is recognised before PGlite sees it (PGlite does not fail on a damaged
// archive: it waits forever). Images carry it as `.tar.br` instead (scripts/compress-pglite.ts): brotli
// packs the tar to 1.4 MB where PGlite's gzip makes 4.5 MB.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';

const DIGEST_HEX = 64;
const TEMPLATE_SUFFIX = /\.tar\.(gz|br)$/;
const unbrotli = promisify(brotliDecompress);

async function pgliteVersion(): Promise<{ version: string; packageDir: string }> {
  // …/node_modules/@electric-sql/pglite/dist/index.js → …/node_modules/@electric-sql/pglite
  const packageDir = dirname(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof version !== 'string' || !/^[\w.+-]+$/.test(version))
    throw new Error(`unexpected PGlite version ${JSON.stringify(version)}`);
  return { version, packageDir };
}

/** The cache directory beside the installed PGlite, or undefined when it cannot be found. */
export async function defaultTemplateDir(): Promise<string | undefined> {
  try {
    const { packageDir } = await pgliteVersion();
    return join(dirname(dirname(packageDir)), '.cache', 'tributary-pglite');
  } catch {
    return undefined;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The dump of a fresh database of this PGlite release in `dir`, checked against its name; damaged ones are removed. */
export async function readTemplate(dir: string): Promise<Blob | undefined> {
  let names: string[];
  let prefix: string;
  try {
    prefix = `fresh-${(await pgliteVersion()).version}-`;
    names = (await readdir(dir)).filter((name) => name.startsWith(prefix) && TEMPLATE_SUFFIX.test(name));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const digest = name.slice(prefix.length, prefix.length + DIGEST_HEX);
    try {
      const bytes = await readFile(join(dir, name));
      // A Blob without a type is read as a plain tar; PGlite recognises gzip by the type.
      if (sha256(bytes) === digest)
        return name.endsWith('.br')
          ? new Blob([await unbrotli(bytes)])
          : new Blob([bytes], { type: 'application/x-gzip' });
      await rm(join(dir, name), { force: true });
    } catch {
      // Removed by another process meanwhile, or unreadable: try the next one.
    }
  }
  return undefined;
}

/**
 * Dumps `pglite`, which must be freshly initialised (nothing created in it yet), into `dir`. Written to a
 * temporary file and renamed, so concurrent writers and readers never see half a template.
 */
export async function writeTemplate(dir: string, pglite: PGlite): Promise<void> {
  const { version } = await pgliteVersion();
  const bytes = new Uint8Array(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, join(dir, `fresh-${version}-${sha256(bytes)}.tar.gz`));
  } finally {
    await rm(temporary, { force: true });
  }
}
