// The ACLs the broker enforces, kept in `acls.json` of the data directory: each change is written
// atomically (temp file, fsync, rename) before it is acknowledged or applied, one change at a time.
import { join } from 'node:path';
import { type FileSystem, makeDurable, readJsonFile, writeFileAtomic } from '../io/index.ts';
import {
  type AclBinding,
  type AclBindingFilter,
  bindingProblem,
  filterMatches,
  PatternType,
  sameBinding,
  WILDCARD,
} from './acl.ts';

export const ACLS_FILE = 'acls.json';

function checkFile(value: unknown): AclBinding[] | { problem: string } {
  const acls = (value as { acls?: unknown } | null)?.acls;
  if (!Array.isArray(acls)) return { problem: 'expected {"acls": [...]}' };
  const out: AclBinding[] = [];
  for (const [i, raw] of acls.entries()) {
    const a = raw as Partial<AclBinding> | null;
    const strings = ['resourceName', 'principal', 'host'] as const;
    const numbers = ['resourceType', 'patternType', 'operation', 'permissionType'] as const;
    if (!a || strings.some((k) => typeof a[k] !== 'string') || numbers.some((k) => typeof a[k] !== 'number'))
      return { problem: `ACL ${i + 1} lacks a field` };
    const binding = a as AclBinding;
    const problem = bindingProblem(binding);
    if (problem !== null) return { problem: `ACL ${i + 1}: ${problem}` };
    out.push({ ...binding });
  }
  return out;
}

const key = (resourceType: number, name: string) => `${resourceType}\u0000${name}`;

/** The bindings by what they name, so a check looks up a few keys instead of scanning every ACL. */
class AclIndex {
  readonly literal = new Map<string, AclBinding[]>();
  readonly prefixed = new Map<string, AclBinding[]>();
  readonly byType = new Map<number, AclBinding[]>();
  /** Lengths of the prefixes some binding names, per resource type. */
  readonly prefixLengths = new Map<number, number[]>();

  constructor(acls: readonly AclBinding[]) {
    const push = <K>(map: Map<K, AclBinding[]>, k: K, b: AclBinding) => {
      const list = map.get(k);
      if (list === undefined) map.set(k, [b]);
      else list.push(b);
    };
    for (const b of acls) {
      push(this.byType, b.resourceType, b);
      if (b.patternType === PatternType.PREFIXED) {
        push(this.prefixed, key(b.resourceType, b.resourceName), b);
        const lengths = this.prefixLengths.get(b.resourceType) ?? [];
        if (!lengths.includes(b.resourceName.length)) lengths.push(b.resourceName.length);
        this.prefixLengths.set(b.resourceType, lengths);
      } else push(this.literal, key(b.resourceType, b.resourceName), b);
    }
  }
}

export class AclStore {
  readonly #fs: FileSystem;
  readonly #path: string;
  #acls: readonly AclBinding[];
  #index: AclIndex;
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(fs: FileSystem, path: string, acls: AclBinding[]) {
    this.#fs = fs;
    this.#path = path;
    this.#acls = acls;
    this.#index = new AclIndex(acls);
  }

  /** The bindings that name a resource: by its literal name, the literal `*`, or a prefix of it. */
  covering(resourceType: number, name: string): AclBinding[] {
    const index = this.#index;
    const out = [
      ...(index.literal.get(key(resourceType, name)) ?? []),
      ...(name === WILDCARD ? [] : (index.literal.get(key(resourceType, WILDCARD)) ?? [])),
    ];
    for (const length of index.prefixLengths.get(resourceType) ?? []) {
      if (length <= name.length)
        out.push(...(index.prefixed.get(key(resourceType, name.slice(0, length))) ?? []));
    }
    return out;
  }

  ofType(resourceType: number): readonly AclBinding[] {
    return this.#index.byType.get(resourceType) ?? [];
  }

  /** Reads the ACLs kept in `dataDir` (none when the file does not exist); a bad file stops the start. */
  static async load(fs: FileSystem, dataDir: string): Promise<AclStore> {
    const path = join(dataDir, ACLS_FILE);
    const acls = readJsonFile(fs, path, checkFile) ?? [];
    await makeDurable(fs, path);
    return new AclStore(fs, path, acls);
  }

  get all(): readonly AclBinding[] {
    return this.#acls;
  }

  matching(filter: AclBindingFilter): AclBinding[] {
    return this.#acls.filter((a) => filterMatches(filter, a));
  }

  /** Adds bindings (those already there are kept once), durably. */
  add(bindings: readonly AclBinding[]): Promise<void> {
    return this.#change((acls) => {
      const next = [...acls];
      for (const b of bindings) if (!next.some((a) => sameBinding(a, b))) next.push({ ...b });
      return next;
    }).then(() => undefined);
  }

  /** Removes the bindings each filter matches, durably; returns what each filter removed. */
  remove(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    let removed: AclBinding[][] = [];
    return this.#change((acls) => {
      removed = filters.map((f) => acls.filter((a) => filterMatches(f, a)));
      return acls.filter((a) => !filters.some((f) => filterMatches(f, a)));
    }).then(() => removed);
  }

  #change(apply: (acls: readonly AclBinding[]) => AclBinding[]): Promise<void> {
    const run = this.#writing.then(async () => {
      const next = apply(this.#acls);
      await writeFileAtomic(this.#fs, this.#path, `${JSON.stringify({ acls: next }, null, 1)}\n`);
      this.#acls = next;
      this.#index = new AclIndex(next);
    });
    this.#writing = run.catch(() => {});
    return run;
  }
}
