// The broker's file-system port, its node:fs implementation and the durable-write steps built on it.
export {
  CorruptFileError,
  makeDurable,
  mkdirDurable,
  readJsonFile,
  writeAll,
  writeFileAtomic,
  writeTempFile,
} from './durable-file.ts';
export { errorCode, type FileSystem, systemError } from './file-system.ts';
export { nodeFileSystem } from './node-file-system.ts';
