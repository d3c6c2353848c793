#!/usr/bin/env node
// `tributary-broker`: turns on Node's compile cache, then runs the CLI. The cache keeps every module's
// type-stripped and compiled code on disk (in NODE_COMPILE_CACHE, else under the system's temp directory),
// so every start after the first skips that work; where nothing can be written it is simply off.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./cli.ts');
