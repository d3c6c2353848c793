// Used by the Dockerfile: assembles one image's /app from a tree where `npm ci --omit=dev` ran and the
// sources were copied. esbuild bundles the process (its entry point, the workspaces it imports and their
// dependencies) into one minified file, with a source map so that stack traces name the TypeScript sources
// (run it with `node --enable-source-maps`). The bundle takes the entry point's place (`src/server.ts` →
// `src/server.mjs`), so that what the code finds relative to itself (`../migrations`) is where it was.
// Packages that cannot be bundled stay packages, with what they depend on.
//   node scripts/assemble-image-app.ts --from /app --to DIR --entry PATH
//        [--external PKG]... [--leave-out PKG]... [--copy PATH]...
// --external: a package loaded at run time from node_modules (one that reads its own files, or that is
//   required in a way esbuild does not follow); it is copied with its dependencies, without type
//   declarations, source maps, docs and tests. --leave-out: a package the process imports only on a path it
//   never takes in the image (the console's esbuild, with UI_DIR set); not shipped. --copy: a file or
//   directory the process reads (migrations, the console's UI bundle), copied to the same place.
// Writes DIR/modules (node_modules) and DIR/sources (the bundle, its map, the copies, LICENSE), one image
// layer each.
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    entry: { type: 'string' },
    external: { type: 'string', multiple: true, default: [] },
    'leave-out': { type: 'string', multiple: true, default: [] },
    copy: { type: 'string', multiple: true, default: [] },
  },
});
if (values.from === undefined || values.to === undefined || values.entry === undefined) {
  process.stderr.write(
    'usage: assemble-image-app.ts --from DIR --to DIR --entry PATH [--external PKG]... [--leave-out PKG]... [--copy PATH]...\n',
  );
  process.exit(2);
}
const from = resolve(values.from);
const to = resolve(values.to);
const modulesTo = join(to, 'modules');
const sourcesTo = join(to, 'sources');
const entry = values.entry;
const bundleName = entry.replace(/\.[cm]?[jt]s$/, '.mjs');

/** Directories at a package's root that hold no run-time code. */
const PACKAGE_ROOT_JUNK = new Set([
  '.github',
  '__tests__',
  'bench',
  'benchmark',
  'benchmarks',
  'coverage',
  'doc',
  'docs',
  'example',
  'examples',
  'node_modules',
  'test',
  'tests',
]);
const LEGAL = /^(licen[cs]e|copying|notice)/i;
/**
 * Files Node never loads from node_modules: source maps, type declarations, TypeScript sources (Node does
 * not strip types under node_modules) and documentation. Licences stay, whatever their extension.
 */
const NOT_LOADED = /\.(map|ts|mts|cts|tsx|md|markdown)$/i;
/** A package's ES module build, where what loads it here (Swagger UI's @fastify/static) requires it. */
const esmBuild = (dir: string) => (path: string) => path.startsWith(`${dir}${sep}`);
/**
 * Files of one package that the image never loads. PGlite: the contrib extensions (loaded only when passed
 * to PGlite.create, and @tributary/database passes none) and the CommonJS build (it is imported). The
 * packages whose CommonJS and ES module builds both ship, of which the image loads only one.
 */
const PACKAGE_JUNK: Record<string, (path: string) => boolean> = {
  '@electric-sql/pglite': (path) =>
    path.startsWith(`dist${sep}`) && (/\.tar\.gz$/.test(path) || /\.cjs$/.test(path)),
  'balanced-match': esmBuild(join('dist', 'esm')),
  'brace-expansion': esmBuild(join('dist', 'esm')),
  glob: esmBuild(join('dist', 'esm')),
  'lru-cache': esmBuild(join('dist', 'esm')),
  minimatch: esmBuild(join('dist', 'esm')),
  minipass: esmBuild(join('dist', 'esm')),
  'path-scurry': esmBuild(join('dist', 'esm')),
  yaml: esmBuild('browser'),
};

/**
 * Builds that packages publish for bundlers. @platformatic/wasm-utils (the Kafka client's CRC32C and
 * compression) reads its WebAssembly from beside itself; its `bundled` build carries it inline.
 */
const BUNDLER_BUILDS: Record<string, string> = {
  '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled',
};

rmSync(to, { recursive: true, force: true });
// Both layers exist, empty or not, so that every image is built the same way.
mkdirSync(modulesTo, { recursive: true });

// 1. The bundle, built as if beside the entry point in `from`, so that the source map names the sources
// where the image has the bundle (`/app/services/…/src/server.ts`). `require` is what the CommonJS
// packages in it call for Node's built-in modules.
const result = await build({
  absWorkingDir: from,
  entryPoints: [entry],
  outfile: join(from, bundleName),
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  // Fastify, OpenTelemetry and pino name things after functions and classes (and errors print them).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  external: [...values.external, ...values['leave-out']],
  alias: BUNDLER_BUILDS,
  banner: {
    js: "import { createRequire as __tributaryCreateRequire } from 'node:module'; const require = __tributaryCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const bundled: string[] = [];
for (const file of result.outputFiles) {
  const inside = relative(from, file.path);
  mkdirSync(dirname(join(sourcesTo, inside)), { recursive: true });
  writeFileSync(join(sourcesTo, inside), file.contents);
  bundled.push(`${inside} ${(file.contents.length / 1e6).toFixed(2)} MB`);
}

// 2. The external packages and their dependencies, found as Node finds them: in the node_modules of the
// importing directory or of one of its parents.
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === from || dirname(dir) === dir) return undefined;
  }
}

const shipped = new Map<string, string>();
function ship(name: string, fromDir: string, optional: boolean): void {
  const dir = findPackage(name, fromDir);
  if (dir === undefined) {
    if (optional) return;
    throw new Error(`${name} (needed from ${relative(from, fromDir) || '.'}) is not installed`);
  }
  if (shipped.has(dir)) return;
  shipped.set(dir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) ship(dependency, dir, false);
  for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) ship(dependency, dir, true);
  // Peers the installation provides (a plugin's host package) are the package's to load too.
  for (const dependency of Object.keys(manifest.peerDependencies ?? {})) ship(dependency, dir, true);
}
for (const name of values.external) ship(name, dirname(join(from, entry)), false);

function keep(packageDir: string, name: string, path: string): boolean {
  if (path === packageDir) return true;
  const inner = relative(packageDir, path);
  const stat = lstatSync(path);
  if (stat.isDirectory()) return !(dirname(path) === packageDir && PACKAGE_ROOT_JUNK.has(basename(path)));
  if (PACKAGE_JUNK[name]?.(inner)) return false;
  return LEGAL.test(basename(path)) || !NOT_LOADED.test(basename(path));
}
for (const [dir, name] of shipped) {
  if (lstatSync(dir).isSymbolicLink()) throw new Error(`${name} is a workspace: bundle it, do not ship it`);
  cpSync(dir, join(modulesTo, relative(from, dir)), {
    recursive: true,
    filter: (path) => keep(dir, name, path),
  });
}

// 3. What the process reads from disk, next to the bundle; node_modules' files go with the modules layer.
for (const path of values.copy) {
  const source = join(from, path);
  if (!existsSync(source)) throw new Error(`--copy ${path}: not found`);
  const layer = path.split(sep)[0] === 'node_modules' ? modulesTo : sourcesTo;
  cpSync(source, join(layer, path), { recursive: statSync(source).isDirectory() });
}
cpSync(join(from, 'LICENSE'), join(sourcesTo, 'LICENSE'));

process.stdout.write(
  `assembled ${to}: ${bundled.join(', ')}; packages: ${[...shipped.values()].sort().join(', ') || 'none'}\n`,
);
