// The SASL users the broker knows, as salted SCRAM credentials only: passwords given in a users file or
// the environment are salted when read and never kept. PLAIN logins are checked against the same
// credentials, so one user has one password whatever the mechanism.
import { createHmac, randomBytes } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  passwordMatches,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
  scramCredential,
} from './scram.ts';

export class CredentialStore {
  readonly #users = new Map<string, Map<ScramMechanism, ScramCredential>>();
  readonly #decoyKey = randomBytes(32);

  /** Adds (or replaces) a user's credentials for both SCRAM mechanisms from a password. */
  setPassword(username: string, password: string, iterations = DEFAULT_SCRAM_ITERATIONS): void {
    const byMechanism = new Map<ScramMechanism, ScramCredential>();
    for (const m of SCRAM_MECHANISMS) byMechanism.set(m, scramCredential(m, password, iterations));
    this.#users.set(username, byMechanism);
  }

  setCredential(username: string, mechanism: ScramMechanism, credential: ScramCredential): void {
    let byMechanism = this.#users.get(username);
    if (byMechanism === undefined) {
      byMechanism = new Map();
      this.#users.set(username, byMechanism);
    }
    byMechanism.set(mechanism, credential);
  }

  deleteCredential(username: string, mechanism: ScramMechanism): boolean {
    const byMechanism = this.#users.get(username);
    const had = byMechanism?.delete(mechanism) ?? false;
    if (byMechanism !== undefined && byMechanism.size === 0) this.#users.delete(username);
    return had;
  }

  credential(username: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.#users.get(username)?.get(mechanism);
  }

  /** Users and the mechanisms each has credentials for (never the credentials). */
  list(): Array<{ username: string; mechanisms: Array<{ mechanism: ScramMechanism; iterations: number }> }> {
    return [...this.#users].map(([username, byMechanism]) => ({
      username,
      mechanisms: [...byMechanism].map(([mechanism, c]) => ({ mechanism, iterations: c.iterations })),
    }));
  }

  get size(): number {
    return this.#users.size;
  }

  /** PLAIN: the password against whichever SCRAM credential the user has. */
  checkPassword(username: string, password: string): boolean {
    const byMechanism = this.#users.get(username);
    if (byMechanism === undefined) {
      // The same work as for a known user, so timing does not tell which users exist.
      passwordMatches('SCRAM-SHA-256', password, this.decoy(username));
      return false;
    }
    const [mechanism, credential] = [...byMechanism][0];
    return passwordMatches(mechanism, password, credential);
  }

  /** A made-up credential, the same for the same name, for unknown users' SCRAM exchanges. */
  decoy(username: string): ScramCredential {
    const seed = createHmac('sha256', this.#decoyKey).update(username).digest();
    return {
      salt: seed,
      iterations: DEFAULT_SCRAM_ITERATIONS,
      storedKey: createHmac('sha256', seed).update('stored').digest(),
      serverKey: createHmac('sha256', seed).update('server').digest(),
    };
  }
}

/**
 * Users from text: `alice:secret,bob:other` (the environment) or a JSON object `{ "alice": "secret" }`
 * (a users file). Throws naming the problem, never a password.
 */
export function parseUsers(text: string, source: 'list' | 'json'): Array<[string, string]> {
  if (source === 'list') {
    return text
      .split(',')
      .filter((entry) => entry.trim() !== '')
      .map((entry, i) => {
        const colon = entry.indexOf(':');
        if (colon <= 0 || colon === entry.length - 1) {
          throw new Error(`SASL user entry ${i + 1} is not of the form user:password`);
        }
        return [entry.slice(0, colon).trim(), entry.slice(colon + 1)];
      });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the SASL users file is not JSON (expected {"user": "password", ...})');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('the SASL users file must hold a JSON object {"user": "password", ...}');
  }
  return Object.entries(parsed).map(([user, password]) => {
    if (typeof password !== 'string' || password === '' || user === '') {
      throw new Error(`SASL user ${JSON.stringify(user)}: the password must be a non-empty string`);
    }
    return [user, password];
  });
}
