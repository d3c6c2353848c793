// The log start offset a DeleteRecords request moved (KIP-107), kept across restarts. Retention moves it
// by deleting whole segments, which the segment files themselves record; DeleteRecords can move it into
// the middle of a segment, so that position is written to a small file in the partition's directory
// (atomically, and before the request is answered) and applied again when the partition is opened.
// Kafka keeps the same thing in a log-start-offset-checkpoint file per log directory.
import { join } from 'node:path';
import { type FileSystem, readJsonFile, writeFileAtomic } from '../io/index.ts';
import type { PartitionLog } from './partition-log.ts';

export const LOG_START_OFFSET_FILE = 'log-start-offset.json';

function checkFile(value: unknown): { logStartOffset: number } | { problem: string } {
  const offset = (value as { logStartOffset?: unknown } | null)?.logStartOffset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    return { problem: 'expected {"logStartOffset": <non-negative integer>}' };
  return { logStartOffset: offset };
}

/**
 * Moves the partition's log start offset up to `offset` and makes it durable; segments wholly below it
 * are deleted. Returns the new log start offset (the partition's low watermark).
 */
export function deleteRecordsBefore(fs: FileSystem, log: PartitionLog, offset: number): Promise<number> {
  // One at a time per partition, so that a smaller offset's write never lands after a larger one's.
  const run = (pending.get(log) ?? Promise.resolve()).then(async () => {
    // The start retention reached is not a promise (its deletions become durable later), so only the
    // start a DeleteRecords made durable lets a request be answered without writing.
    if (offset <= (persisted.get(log) ?? 0)) return log.logStartOffset;
    // Durable first: a crash after segments are deleted must not bring their records back.
    const data = JSON.stringify({ logStartOffset: offset });
    await writeFileAtomic(fs, join(log.dir, LOG_START_OFFSET_FILE), data);
    persisted.set(log, offset);
    return log.advanceLogStartOffset(offset);
  });
  pending.set(
    log,
    run.then(
      () => {},
      () => {},
    ),
  );
  return run;
}

const pending = new WeakMap<PartitionLog, Promise<void>>();
/** The log start offset each partition's file holds. */
const persisted = new WeakMap<PartitionLog, number>();

/** Applies the log start offset a DeleteRecords left, when the partition is opened. */
export function restoreLogStartOffset(fs: FileSystem, log: PartitionLog): void {
  const saved = readJsonFile(fs, join(log.dir, LOG_START_OFFSET_FILE), checkFile);
  if (!saved) return;
  persisted.set(log, saved.logStartOffset);
  log.advanceLogStartOffset(saved.logStartOffset);
}
