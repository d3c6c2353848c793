// PGlite reads its WebAssembly builds (pglite.wasm, initdb.wasm) and the files of its PostgreSQL
// installation (pglite.data) from its package: 15.6 MB, most of what the embedded database adds to a
// service image. Images ship them brotli-compressed instead, at about a quarter of that
// (scripts/compress-pglite.ts): where `<file>.br` stands in PGlite's dist directory in place of a file, it
// is decompressed in memory and handed to PGlite, which then reads nothing from its package.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';
import type { PGliteOptions } from '@electric-sql/pglite';

const unbrotli = promisify(brotliDecompress);
/** The global WebAssembly object (this project's TypeScript libraries declare only its types). */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }
).WebAssembly;

/** The files PGlite loads from its dist directory, and the option that hands each one over instead. */
export const PGLITE_ASSETS = {
  'pglite.wasm': 'pgliteWasmModule',
  'initdb.wasm': 'initdbWasmModule',
  'pglite.data': 'fsBundle',
} as const;

export type PgliteAssets = Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>;

/** PGlite's dist directory (…/node_modules/@electric-sql/pglite/dist). */
export function pgliteDistDir(): string {
  return dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
}

async function readCompressed(path: string): Promise<Buffer | undefined> {
  try {
    return await unbrotli(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot decompress ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The options for the compressed files in `dir` (a PGlite dist directory); empty when it has none. */
export async function loadPgliteAssets(dir: string): Promise<PgliteAssets> {
  const assets: PgliteAssets = {};
  await Promise.all(
    Object.entries(PGLITE_ASSETS).map(async ([file, option]) => {
      const bytes = await readCompressed(join(dir, `${file}.br`));
      if (bytes === undefined) return;
      if (option === 'fsBundle') assets.fsBundle = new Blob([bytes]);
      else assets[option] = await wasm.compile(bytes);
    }),
  );
  return assets;
}

let loaded: Promise<PgliteAssets> | undefined;

/**
 * The options that hand PGlite its compressed files, empty where PGlite has its own; loaded once per
 * process (a failure is not kept, so that the next database tries again).
 */
export function pgliteAssets(): Promise<PgliteAssets> {
  loaded ??= loadPgliteAssets(pgliteDistDir()).catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}
