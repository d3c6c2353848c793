// Hands out producer ids that never repeat, across restarts and power cuts: ids are reserved in blocks
// whose upper bound is durable (written atomically and synced) before any id of the block is used.
import { join } from 'node:path';
import { type FileSystem, makeDurable, readJsonFile, writeFileAtomic } from '../io/index.ts';

const BLOCK = 1000;

export class ProducerIdManager {
  readonly #fs: FileSystem;
  readonly #file: string;
  #next = 0;
  #reservedUpTo = 0;
  #reserving: Promise<void> | null = null;

  constructor(fs: FileSystem, dataDir: string) {
    this.#fs = fs;
    this.#file = join(dataDir, 'producer-ids.json');
  }

  /** Reads the reservation; a damaged file stops the start (reusing ids would corrupt idempotence). */
  async load(): Promise<void> {
    const reserved =
      readJsonFile(this.#fs, this.#file, (value) => {
        const n = (value as { reservedUpTo?: unknown } | null)?.reservedUpTo;
        return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
          ? n
          : { problem: 'expected {"reservedUpTo": <non-negative integer>}' };
      }) ?? 0;
    await makeDurable(this.#fs, this.#file);
    this.#next = reserved;
    this.#reservedUpTo = reserved;
  }

  async allocate(): Promise<{ producerId: number; epoch: number }> {
    while (this.#next >= this.#reservedUpTo) {
      if (!this.#reserving) {
        const upTo = this.#next + BLOCK;
        this.#reserving = writeFileAtomic(this.#fs, this.#file, JSON.stringify({ reservedUpTo: upTo }))
          .then(() => {
            this.#reservedUpTo = upTo;
          })
          .finally(() => {
            this.#reserving = null;
          });
      }
      await this.#reserving;
    }
    return { producerId: this.#next++, epoch: 0 };
  }
}
