// Builds the browser UI (services/console/ui, Preact) with esbuild into memory when the console starts:
// no generated files to keep in step, no CDN, works offline. `npm run build:console` writes the same bundle
// to services/console/dist; with UI_DIR set the console serves such a prebuilt bundle instead (the image
// does), and then esbuild is not loaded at all.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiBundle {
  js: string;
  css: string;
}

export const UI_ENTRY = fileURLToPath(new URL('../../ui/main.tsx', import.meta.url));

export async function buildUi(outdir?: string): Promise<UiBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [UI_ENTRY],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    outdir: '/',
    entryNames: 'app',
    write: false,
    logLevel: 'silent',
  });
  const text = (ext: string) => result.outputFiles?.find((f) => f.path.endsWith(ext))?.text ?? '';
  const bundle = { js: text('.js'), css: text('.css') };
  if (outdir !== undefined) {
    await mkdir(outdir, { recursive: true });
    await writeFile(join(outdir, 'app.js'), bundle.js);
    await writeFile(join(outdir, 'app.css'), bundle.css);
  }
  return bundle;
}

/** Reads a bundle that buildUi wrote to `dir` (app.js and app.css). */
export async function readUi(dir: string): Promise<UiBundle> {
  const [js, css] = await Promise.all([
    readFile(join(dir, 'app.js'), 'utf8'),
    readFile(join(dir, 'app.css'), 'utf8'),
  ]);
  return { js, css };
}
