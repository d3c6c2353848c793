// SCRAM (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and KIP-84 use them): salted credentials, which
// is all the broker keeps of a password, and the server side of one exchange.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/** Kafka's minimum (and default) iteration count. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const HASH: Record<ScramMechanism, { name: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

const hmac = (m: ScramMechanism, key: Buffer, text: string | Buffer) =>
  createHmac(HASH[m].name, key).update(text).digest();

export function saltedPassword(
  m: ScramMechanism,
  password: string,
  salt: Buffer,
  iterations: number,
): Buffer {
  return pbkdf2Sync(password.normalize('NFKC'), salt, iterations, HASH[m].bytes, HASH[m].name);
}

export function scramCredential(
  m: ScramMechanism,
  password: string,
  iterations = DEFAULT_SCRAM_ITERATIONS,
  salt: Buffer = randomBytes(32),
): ScramCredential {
  return credentialFromSalted(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** The credential of a password salted elsewhere (AlterUserScramCredentials sends it so, KIP-554). */
export function credentialFromSalted(
  m: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  return {
    salt,
    iterations,
    storedKey: createHash(HASH[m].name)
      .update(hmac(m, salted, 'Client Key'))
      .digest(),
    serverKey: hmac(m, salted, 'Server Key'),
  };
}

/** Checks a clear password (SASL PLAIN) against a salted credential, in constant time. */
export function passwordMatches(m: ScramMechanism, password: string, credential: ScramCredential): boolean {
  const candidate = scramCredential(m, password, credential.iterations, credential.salt);
  return timingSafeEqual(candidate.storedKey, credential.storedKey);
}

export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScramError';
  }
}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== 1) throw new ScramError('malformed SCRAM message');
    out.set(part[0], part.slice(2));
  }
  return out;
}

/** `=2C` and `=3D` are how a SCRAM username carries ',' and '=' (RFC 5802 §5.1). */
function decodeName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new ScramError('malformed username');
  return name.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

/**
 * The server side of one exchange: `first` takes client-first-message and answers server-first-message,
 * `final` takes client-final-message and answers server-final-message, or throws ScramError.
 */
export class ScramServerExchange {
  readonly mechanism: ScramMechanism;
  readonly #lookup: (username: string) => ScramCredential | undefined;
  readonly #decoy: (username: string) => ScramCredential;
  #username: string | undefined;
  #credential: ScramCredential | undefined;
  #known = false;
  #clientFirstBare = '';
  #serverFirst = '';
  #nonce = '';
  #gs2 = '';

  constructor(
    mechanism: ScramMechanism,
    lookup: (username: string) => ScramCredential | undefined,
    /** A stable made-up credential for unknown users, so their exchange looks like anyone else's. */
    decoy: (username: string) => ScramCredential,
  ) {
    this.mechanism = mechanism;
    this.#lookup = lookup;
    this.#decoy = decoy;
  }

  get username(): string | undefined {
    return this.#username;
  }

  first(clientFirst: string): string {
    const match = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(clientFirst);
    if (match === null) throw new ScramError('malformed client-first-message');
    if (match[1].startsWith('p=')) throw new ScramError('channel binding is not supported');
    if (match[2] !== undefined) throw new ScramError('authorization identities are not supported');
    this.#gs2 = `${match[1]},${match[2] ?? ''},`;
    this.#clientFirstBare = match[3];
    const attrs = attributes(this.#clientFirstBare);
    const name = attrs.get('n');
    const clientNonce = attrs.get('r');
    if (name === undefined || name === '' || clientNonce === undefined || clientNonce === '') {
      throw new ScramError('client-first-message lacks a username or nonce');
    }
    this.#username = decodeName(name);
    const credential = this.#lookup(this.#username);
    this.#known = credential !== undefined;
    this.#credential = credential ?? this.#decoy(this.#username);
    this.#nonce = clientNonce + randomBytes(24).toString('base64url');
    this.#serverFirst = `r=${this.#nonce},s=${this.#credential.salt.toString('base64')},i=${this.#credential.iterations}`;
    return this.#serverFirst;
  }

  final(clientFinal: string): string {
    const credential = this.#credential;
    if (credential === undefined) throw new ScramError('client-final-message before client-first-message');
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('client-final-message lacks a proof');
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.get('c') !== Buffer.from(this.#gs2).toString('base64'))
      throw new ScramError('channel binding does not match');
    // Kafka accepts a final nonce that ends with the server's (ScramSaslServer checks endsWith), and
    // librdkafka relies on it: it sends its own nonce followed by the whole server nonce. The proof covers
    // the message as sent, so this weakens nothing.
    if (!attrs.get('r')?.endsWith(this.#nonce)) throw new ScramError('nonce does not match');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const signature = hmac(this.mechanism, credential.storedKey, authMessage);
    if (proof.length !== signature.length) throw new ScramError('invalid credentials');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ signature[i];
    const stored = createHash(HASH[this.mechanism].name).update(clientKey).digest();
    if (!timingSafeEqual(stored, credential.storedKey) || !this.#known)
      throw new ScramError('invalid credentials');
    return `v=${hmac(this.mechanism, credential.serverKey, authMessage).toString('base64')}`;
  }
}
