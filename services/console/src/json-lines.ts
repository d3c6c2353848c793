// The console's append-only files (the audit log, the redrive-job journal) are JSON lines, one append per
// line. A power cut can leave the last line without its newline; the next append would then continue that
// line, and the two would be unreadable together. Reading cuts such a tail from the file first.
import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;

/**
 * The complete, non-empty lines of `file` ([] when it does not exist). A last line without its newline
 * (torn mid-write) is cut from the file, so that the next append starts a line of its own.
 */
export async function readJsonLines(file: string): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const bytes = await handle.readFile();
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end < bytes.length) await handle.truncate(end);
    return bytes
      .toString('utf8', 0, end)
      .split('\n')
      .filter((line) => line.trim() !== '');
  } finally {
    await handle.close();
  }
}
