// The disk alone, as a baseline for acks=-1 produce: appends `bytes` to a new file in `dir` in writes of
// `chunk` bytes, each followed by fdatasync (what the broker's group commit does per flush round), and
// prints the seconds it took. It runs in a process of its own, like the broker it is compared with.
//   node bench/disk-sync.ts <dir> <bytes> <chunk>
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const [dir, bytesArg, chunkArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const chunk = Number(chunkArg);
if (!dir || !Number.isInteger(bytes) || bytes < 1 || !Number.isInteger(chunk) || chunk < 1) {
  console.error('usage: node bench/disk-sync.ts <dir> <bytes> <chunk>');
  process.exit(2);
}
const file = join(dir, `disk-sync-${process.pid}.bin`);
const buffer = Buffer.alloc(chunk, 120);
const fd = openSync(file, 'w');
const started = performance.now();
for (let written = 0; written < bytes; written += chunk) {
  const length = Math.min(chunk, bytes - written);
  writeSync(fd, buffer, 0, length, written);
  fdatasyncSync(fd);
}
const seconds = (performance.now() - started) / 1000;
closeSync(fd);
rmSync(file);
console.log(String(seconds));
