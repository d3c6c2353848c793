// Used by the Dockerfile: assembles one image's /app from a tree where `npm ci --omit=dev --workspace=…`
// ran and the sources were copied. Writes DIR/modules/node_modules (the dependencies, without what nothing
// loads at run time) and DIR/sources (only the workspaces npm linked: the image's own and the ones it
// depends on, without their tests), one image layer each.
//   node scripts/assemble-image-app.ts --from /app --to DIR [--without <package>]...
// --without leaves out a package (or a whole @scope) that the image's process never loads; naming one that
// is not installed fails, so that the list stays true when dependencies change.
import { cpSync, existsSync, lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    without: { type: 'string', multiple: true, default: [] },
  },
});
if (values.from === undefined || values.to === undefined) {
  process.stderr.write('usage: assemble-image-app.ts --from DIR --to DIR [--without PKG]...\n');
  process.exit(2);
}
const from = resolve(values.from);
const to = resolve(values.to);
const modulesTo = join(to, 'modules');
const sourcesTo = join(to, 'sources');

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
  'test',
  'tests',
]);
/** Directories of our own workspaces that are not part of what they run. */
const WORKSPACE_JUNK = new Set(['bench', 'node_modules', 'test']);
const LEGAL = /^(licen[cs]e|copying|notice)/i;
/**
 * Files Node never loads from node_modules: source maps, type declarations, TypeScript sources (Node does
 * not strip types under node_modules) and documentation. Licences stay, whatever their extension.
 */
const NOT_LOADED = /\.(map|ts|mts|cts|tsx|md|markdown)$/i;

/**
 * Files of one package that its users here never load. PGlite: the contrib extensions (loaded only when
 * passed to PGlite.create, and @tributary/database passes none) and the CommonJS build (it is imported).
 */
const PACKAGE_JUNK: Record<string, (path: string) => boolean> = {
  '@electric-sql/pglite': (path) =>
    path.startsWith(`dist${sep}`) && (/\.tar\.gz$/.test(path) || /\.cjs$/.test(path)),
};

function isPackageRoot(dir: string): boolean {
  const parent = dirname(dir);
  return (
    existsSync(join(dir, 'package.json')) &&
    (basename(parent) === 'node_modules' ||
      (basename(parent).startsWith('@') && basename(dirname(parent)) === 'node_modules'))
  );
}

/** The package a path in node_modules belongs to, and the path inside it. */
function owner(path: string): { name: string; inner: string } | undefined {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const scoped = parts[at + 1].startsWith('@');
  const end = at + (scoped ? 3 : 2);
  if (end > parts.length) return undefined;
  return { name: parts.slice(at + 1, end).join('/'), inner: parts.slice(end).join(sep) };
}

const left = new Set<string>();
function keepInNodeModules(path: string): boolean {
  const stat = lstatSync(path);
  const name = basename(path);
  if (stat.isDirectory() && basename(dirname(path)) === 'node_modules') {
    if (name === '.bin') return false;
  }
  if (name === '.package-lock.json') return false;
  const pkg = owner(path);
  if (pkg !== undefined) {
    for (const without of values.without) {
      if (pkg.name === without || pkg.name.startsWith(`${without}/`)) {
        left.add(without);
        return false;
      }
    }
    if (pkg.inner !== '' && PACKAGE_JUNK[pkg.name]?.(pkg.inner)) return false;
  }
  // A scope directory (`@esbuild`) named in --without.
  if (stat.isDirectory() && name.startsWith('@') && values.without.includes(name)) {
    left.add(name);
    return false;
  }
  if (stat.isDirectory()) return !(PACKAGE_ROOT_JUNK.has(name) && isPackageRoot(dirname(path)));
  if (stat.isFile()) return LEGAL.test(name) || !NOT_LOADED.test(name);
  return true;
}

rmSync(to, { recursive: true, force: true });
const modules = join(from, 'node_modules');
cpSync(modules, join(modulesTo, 'node_modules'), {
  recursive: true,
  verbatimSymlinks: true,
  filter: (source) => source === modules || keepInNodeModules(source),
});
const missing = values.without.filter((name) => !left.has(name));
if (missing.length > 0) {
  process.stderr.write(`--without names packages that are not installed: ${missing.join(', ')}\n`);
  process.exit(1);
}

// The workspaces npm linked: node_modules/<name> → ../<workspace> (or ../../ under a scope).
const workspaces: string[] = [];
for (const entry of readdirSync(modules)) {
  const names = entry.startsWith('@')
    ? readdirSync(join(modules, entry)).map((n) => join(entry, n))
    : [entry];
  for (const name of names) {
    const link = join(modules, name);
    if (!lstatSync(link).isSymbolicLink()) continue;
    const target = resolve(dirname(link), readlinkSync(link));
    const inside = relative(from, target);
    if (!inside.startsWith('..')) workspaces.push(inside);
  }
}
if (workspaces.length === 0) {
  process.stderr.write(`no workspace is linked in ${modules}\n`);
  process.exit(1);
}
for (const workspace of workspaces.sort()) {
  const root = join(from, workspace);
  cpSync(root, join(sourcesTo, workspace), {
    recursive: true,
    filter: (source) => source === root || !WORKSPACE_JUNK.has(basename(source)),
  });
  // Dependencies npm placed under the workspace itself (a version that differs from the hoisted one).
  const nested = join(from, workspace, 'node_modules');
  if (existsSync(nested)) {
    cpSync(nested, join(modulesTo, workspace, 'node_modules'), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => source === nested || keepInNodeModules(source),
    });
  }
}
cpSync(join(from, 'LICENSE'), join(sourcesTo, 'LICENSE'));
process.stdout.write(`assembled ${to}: ${workspaces.join(', ')}\n`);
