// The broker settings a client may change while the broker runs (Kafka's dynamic broker configs, KIP-226):
// the defaults topics fall back to. Set for this broker (resource name = its id, DYNAMIC_BROKER_CONFIG) or
// cluster-wide (resource name '', DYNAMIC_DEFAULT_BROKER_CONFIG); the first wins, then the flags given at
// start. Kept in one file written atomically before a change is acknowledged, and read at start.
import { join } from 'node:path';
import { type FileSystem, readJsonFile, writeFileAtomic } from './io/index.ts';

export const DYNAMIC_CONFIGS_FILE = 'broker-configs.json';

/** Where a dynamic setting applies: this broker, or every broker (the cluster-wide default). */
export type DynamicScope = 'broker' | 'cluster';

type Stored = Record<DynamicScope, Record<string, string>>;

function checkFile(value: unknown): Stored | { problem: string } {
  const v = value as Partial<Stored> | null;
  const ok = (x: unknown) =>
    !!x && typeof x === 'object' && Object.values(x).every((s) => typeof s === 'string');
  if (!v || !ok(v.broker) || !ok(v.cluster))
    return { problem: 'expected {"broker": {name: value}, "cluster": {name: value}}' };
  return { broker: { ...v.broker }, cluster: { ...v.cluster } };
}

export class DynamicBrokerConfigs {
  readonly #fs: FileSystem;
  readonly #path: string;
  #stored: Stored;
  /** Changes are written one at a time, so that the file always holds the last one acknowledged. */
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(fs: FileSystem, path: string, stored: Stored) {
    this.#fs = fs;
    this.#path = path;
    this.#stored = stored;
  }

  /** Reads the settings kept in `dataDir` (none when the file does not exist). */
  static load(fs: FileSystem, dataDir: string): DynamicBrokerConfigs {
    const path = join(dataDir, DYNAMIC_CONFIGS_FILE);
    return new DynamicBrokerConfigs(
      fs,
      path,
      readJsonFile(fs, path, checkFile) ?? { broker: {}, cluster: {} },
    );
  }

  entries(scope: DynamicScope): Readonly<Record<string, string>> {
    return this.#stored[scope];
  }

  get(scope: DynamicScope, name: string): string | undefined {
    return this.#stored[scope][name];
  }

  /** Replaces a scope's settings, durably; they are visible once written. */
  replace(scope: DynamicScope, configs: Record<string, string>): Promise<void> {
    const run = this.#writing.then(async () => {
      const next = { ...this.#stored, [scope]: { ...configs } };
      await writeFileAtomic(this.#fs, this.#path, JSON.stringify(next, null, 1));
      this.#stored = next;
    });
    this.#writing = run.catch(() => {});
    return run;
  }
}
