// Hands out producer ids that never repeat, across restarts: ids are reserved in blocks whose upper bound
// is persisted before any id of the block is used.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BLOCK = 1000;

export class ProducerIdManager {
  readonly #file: string;
  #next: number;
  #reservedUpTo: number;

  constructor(dataDir: string) {
    this.#file = join(dataDir, 'producer-ids.json');
    let reserved = 0;
    try {
      const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as { reservedUpTo?: unknown };
      if (typeof parsed.reservedUpTo === 'number' && Number.isSafeInteger(parsed.reservedUpTo))
        reserved = parsed.reservedUpTo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.#next = reserved;
    this.#reservedUpTo = reserved;
  }

  allocate(): { producerId: number; epoch: number } {
    if (this.#next >= this.#reservedUpTo) {
      this.#reservedUpTo = this.#next + BLOCK;
      writeFileSync(`${this.#file}.tmp`, JSON.stringify({ reservedUpTo: this.#reservedUpTo }));
      renameSync(`${this.#file}.tmp`, this.#file);
    }
    return { producerId: this.#next++, epoch: 0 };
  }
}
