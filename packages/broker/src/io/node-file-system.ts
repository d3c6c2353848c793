// The production file system: node:fs. Writes are positional (files are never opened with O_APPEND, which
// would send every write to the end of the file whatever position it names).
import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import type { FileSystem } from './file-system.ts';

const FLAGS = { read: 'r', write: 'r+', create: 'a+' } as const;

export const nodeFileSystem: FileSystem = {
  open(path, mode) {
    if (mode !== 'create') return openSync(path, FLAGS[mode]);
    // 'a+' would create without truncating but appends on every write; create, then reopen read-write.
    closeSync(openSync(path, 'a'));
    return openSync(path, 'r+');
  },
  close: (fd) => closeSync(fd),
  size: (fd) => fstatSync(fd).size,
  read: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  truncate: (fd, length) => ftruncateSync(fd, length),
  datasync: (fd) => new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))),
  exists: (path) => existsSync(path),
  readFile: (path) => readFileSync(path),
  readdir: (path) => readdirSync(path),
  mkdir: (path) => {
    mkdirSync(path, { recursive: true });
  },
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
  syncDir: (path) =>
    new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (err) {
        reject(err);
        return;
      }
      fsync(fd, (err) => {
        closeSync(fd);
        if (err) reject(err);
        else resolve();
      });
    }),
};
