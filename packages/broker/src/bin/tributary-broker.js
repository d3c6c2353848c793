#!/usr/bin/env node
// `tributary-broker`: turns on Node's compile cache, then runs the CLI. The cache keeps every module's
// type-stripped and compiled code on disk (in NODE_COMPILE_CACHE, else under the system's temp directory),
// so every start after the first skips that work; where nothing can be written it is simply off. This entry
// is JavaScript, not TypeScript: Node loads its TypeScript stripper for the first .ts file it compiles, and
// this file is compiled before the cache is on, so with the CLI's modules coming from the cache a start never
// loads the stripper (about 50 ms of CPU, a third of the broker's time to its first answer).
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./cli.ts');
