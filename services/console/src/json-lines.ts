// The console's append-only files (the audit log, the redrive-job journal) are JSON lines, one append per
// line. A power cut can leave the last line without its newline; the next append would then continue that
// line, and the two would be unreadable together. Reading cuts such a tail from the file first.
import { readFile, truncate } from 'node:fs/promises';

const NEWLINE = 0x0a;

/**
 * The complete, non-empty lines of `file` ([] when it does not exist). A last line without its newline
 * (torn mid-write) is cut from the file, so that the next append starts a line of its own.
 */
export async function readJsonLines(file: string): Promise<string[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  if (end < bytes.length) await truncate(file, end);
  return bytes
    .toString('utf8', 0, end)
    .split('\n')
    .filter((line) => line.trim() !== '');
}
