// `npm start`'s entry: turns on Node's compile cache, then loads the launcher (main.ts). JavaScript, not
// TypeScript, because Node loads its TypeScript stripper (about 0.1 s of CPU) for the first .ts file it
// compiles; this file is compiled before any cache exists, the launcher's modules after, so on every start
// after the first they come from the cache and the stripper is never loaded. main.ts hands the same cache to
// the broker, the services and the console. It lives beside the PGlite template in node_modules/.cache, so a
// new data directory starts from compiled code too; where it cannot be written the cache is simply off.
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache(fileURLToPath(new URL('../../node_modules/.cache/tributary-compile', import.meta.url)));
await import('./main.ts');
