// Builds the browser UI (services/console/ui, Preact) with esbuild into memory when the console starts:
// no generated files to keep in step, no CDN, works offline. `npm run build:console` writes the same bundle
// to services/console/dist for inspection or for an image that serves static files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface UiBundle {
  js: string;
  css: string;
}

export const UI_ENTRY = fileURLToPath(new URL('../../ui/main.tsx', import.meta.url));

export async function buildUi(outdir?: string): Promise<UiBundle> {
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
