// SCRAM users managed over the wire (KIP-554: DescribeUserScramCredentials, AlterUserScramCredentials).
// The client salts the password; the broker keeps only the salt, iteration count, stored key and server
// key, in `scram-credentials.json` of the data directory, written atomically before a change is applied
// to the logins' credential store, so a new login uses it at once. The file overrides the users of the
// saslUsers / saslUsersFile settings: an entry `null` records a deleted credential of such a user.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode } from '../error-codes.ts';
import { type FileSystem, makeDurable, readJsonFile, writeFileAtomic } from '../io/index.ts';
import type { CredentialStore } from './credential-store.ts';
import {
  credentialFromSalted,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
} from './scram.ts';

export const SCRAM_CREDENTIALS_FILE = 'scram-credentials.json';

/** Kafka's ScramMechanism codes on the wire. */
const MECHANISM_CODES: Readonly<Record<number, ScramMechanism>> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };
export const mechanismCode = (m: ScramMechanism): number => (m === 'SCRAM-SHA-256' ? 1 : 2);

// Kafka's bounds on the iteration count of an upserted credential.
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 16384;

interface StoredCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

type Stored = Record<string, Partial<Record<ScramMechanism, StoredCredential | null>>>;

function checkFile(value: unknown): Stored | { problem: string } {
  const users = (value as { users?: unknown } | null)?.users;
  if (users === null || typeof users !== 'object' || Array.isArray(users))
    return { problem: 'expected {"users": {"<name>": {"SCRAM-SHA-256": {...} | null}}}' };
  for (const [name, byMechanism] of Object.entries(users as Record<string, unknown>)) {
    if (byMechanism === null || typeof byMechanism !== 'object')
      return { problem: `user ${JSON.stringify(name)}: expected an object of mechanisms` };
    for (const [m, c] of Object.entries(byMechanism as Record<string, unknown>)) {
      if (!(SCRAM_MECHANISMS as readonly string[]).includes(m))
        return { problem: `user ${JSON.stringify(name)}: unknown mechanism ${m}` };
      if (c === null) continue;
      const cred = c as Partial<StoredCredential>;
      if (
        typeof cred.salt !== 'string' ||
        typeof cred.storedKey !== 'string' ||
        typeof cred.serverKey !== 'string' ||
        typeof cred.iterations !== 'number'
      )
        return {
          problem: `user ${JSON.stringify(name)} ${m}: expected salt, iterations, storedKey, serverKey`,
        };
    }
  }
  return users as Stored;
}

const decode = (c: StoredCredential): ScramCredential => ({
  salt: Buffer.from(c.salt, 'base64'),
  iterations: c.iterations,
  storedKey: Buffer.from(c.storedKey, 'base64'),
  serverKey: Buffer.from(c.serverKey, 'base64'),
});

const encode = (c: ScramCredential): StoredCredential => ({
  salt: c.salt.toString('base64'),
  iterations: c.iterations,
  storedKey: c.storedKey.toString('base64'),
  serverKey: c.serverKey.toString('base64'),
});

export interface UserResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface Deletion {
  name: string;
  mechanism: number;
}

export interface Upsertion extends Deletion {
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

type Change =
  | { user: string; mechanism: ScramMechanism; credential: ScramCredential }
  | { user: string; mechanism: ScramMechanism; credential: null };

export class ScramAdmin {
  readonly #fs: FileSystem;
  readonly #path: string;
  readonly #credentials: CredentialStore;
  readonly #logger: Logger;
  #stored: Stored;
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(
    fs: FileSystem,
    path: string,
    credentials: CredentialStore,
    stored: Stored,
    logger: Logger,
  ) {
    this.#fs = fs;
    this.#path = path;
    this.#credentials = credentials;
    this.#stored = stored;
    this.#logger = logger;
  }

  /** Reads the file (a bad one stops the start) and applies it over the configured users. */
  static async open(
    fs: FileSystem,
    dataDir: string,
    credentials: CredentialStore,
    logger: Logger,
  ): Promise<ScramAdmin> {
    const path = join(dataDir, SCRAM_CREDENTIALS_FILE);
    const stored = readJsonFile(fs, path, checkFile) ?? {};
    await makeDurable(fs, path);
    for (const [user, byMechanism] of Object.entries(stored))
      for (const [m, c] of Object.entries(byMechanism) as [ScramMechanism, StoredCredential | null][]) {
        if (c === null) credentials.deleteCredential(user, m);
        else credentials.setCredential(user, m, decode(c));
      }
    return new ScramAdmin(fs, path, credentials, stored, logger);
  }

  /** DescribeUserScramCredentials: mechanisms and iterations of the named users (null or empty: all). */
  describeUsers(
    names: string[] | null,
  ): Array<UserResult & { credentialInfos: { mechanism: number; iterations: number }[] }> {
    const listed = this.#credentials.list();
    if (names === null || names.length === 0)
      return listed.map((u) => ({
        user: u.username,
        errorCode: 0,
        errorMessage: null,
        credentialInfos: u.mechanisms.map((m) => ({
          mechanism: mechanismCode(m.mechanism),
          iterations: m.iterations,
        })),
      }));
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    return [...counts].map(([user, count]) => {
      const found = listed.find((u) => u.username === user);
      if (count > 1)
        return {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
          credentialInfos: [],
        };
      if (found === undefined)
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
          credentialInfos: [],
        };
      return {
        user,
        errorCode: 0,
        errorMessage: null,
        credentialInfos: found.mechanisms.map((m) => ({
          mechanism: mechanismCode(m.mechanism),
          iterations: m.iterations,
        })),
      };
    });
  }

  /**
   * AlterUserScramCredentials: each user's deletions and upsertions are checked together and applied all or
   * none; the valid ones are written durably in one change, then used by new logins. One result per user.
   */
  async alter(deletions: Deletion[], upsertions: Upsertion[], by: string): Promise<UserResult[]> {
    const users = [...new Set([...deletions, ...upsertions].map((a) => a.name))];
    const results = new Map<string, UserResult>();
    const changes: Change[] = [];
    for (const user of users) {
      const mine = [
        ...deletions.filter((d) => d.name === user).map((d) => ({ ...d, upsert: undefined })),
        ...upsertions.filter((u) => u.name === user).map((u) => ({ ...u, upsert: u })),
      ];
      const problem = this.#problem(user, mine);
      if (problem !== null) {
        results.set(user, { user, ...problem });
        continue;
      }
      for (const a of mine) {
        const mechanism = MECHANISM_CODES[a.mechanism];
        changes.push(
          a.upsert === undefined
            ? { user, mechanism, credential: null }
            : {
                user,
                mechanism,
                credential: credentialFromSalted(
                  mechanism,
                  a.upsert.saltedPassword,
                  a.upsert.salt,
                  a.upsert.iterations,
                ),
              },
        );
      }
      results.set(user, { user, errorCode: 0, errorMessage: null });
    }
    if (changes.length > 0) await this.#apply(changes, by);
    return users.map((u) => results.get(u) as UserResult);
  }

  #problem(
    user: string,
    alterations: Array<{ mechanism: number; upsert: Upsertion | undefined }>,
  ): { errorCode: number; errorMessage: string } | null {
    if (user === '')
      return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' };
    const seen = new Set<number>();
    for (const a of alterations) {
      if (seen.has(a.mechanism))
        return {
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: 'A user credential cannot be altered twice in the same request',
        };
      seen.add(a.mechanism);
      const mechanism = MECHANISM_CODES[a.mechanism];
      if (mechanism === undefined)
        return {
          errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
          errorMessage: `Unknown SCRAM mechanism ${a.mechanism} (1: SCRAM-SHA-256, 2: SCRAM-SHA-512)`,
        };
      if (a.upsert === undefined) {
        if (this.#credentials.credential(user, mechanism) === undefined)
          return {
            errorCode: ErrorCode.RESOURCE_NOT_FOUND,
            errorMessage: `Attempt to delete a user credential that does not exist: ${user} ${mechanism}`,
          };
        continue;
      }
      const { iterations, salt, saltedPassword } = a.upsert;
      if (iterations < MIN_ITERATIONS)
        return {
          errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
          errorMessage: `Too few iterations: ${iterations} (at least ${MIN_ITERATIONS})`,
        };
      if (iterations > MAX_ITERATIONS)
        return {
          errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
          errorMessage: `Too many iterations: ${iterations} (at most ${MAX_ITERATIONS})`,
        };
      if (salt.length === 0 || saltedPassword.length === 0)
        return {
          errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL,
          errorMessage: 'The salt and the salted password must not be empty',
        };
    }
    return null;
  }

  #apply(changes: Change[], by: string): Promise<void> {
    const run = this.#writing.then(async () => {
      const next: Stored = structuredClone(this.#stored);
      for (const c of changes) {
        next[c.user] ??= {};
        next[c.user][c.mechanism] = c.credential === null ? null : encode(c.credential);
      }
      await writeFileAtomic(this.#fs, this.#path, `${JSON.stringify({ users: next }, null, 1)}\n`);
      this.#stored = next;
      for (const c of changes) {
        if (c.credential === null) this.#credentials.deleteCredential(c.user, c.mechanism);
        else this.#credentials.setCredential(c.user, c.mechanism, c.credential);
        this.#logger.info(
          {
            by,
            user: c.user,
            mechanism: c.mechanism,
            ...(c.credential === null ? { deleted: true } : { iterations: c.credential.iterations }),
          },
          c.credential === null ? 'SCRAM credential deleted' : 'SCRAM credential set',
        );
      }
    });
    this.#writing = run.catch(() => {});
    return run;
  }
}
