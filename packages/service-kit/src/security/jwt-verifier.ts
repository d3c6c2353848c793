// Verifies bearer JWTs with jose against a JWKS URL (keys fetched and cached, refreshed on an unknown `kid`)
// or a local public key, checking signature, expiry, issuer and audience (RFC 7519, RFC 8725).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';

/** Where the verification keys come from, and what a token must claim. */
export interface JwtVerifierOptions {
  /** An HTTPS (or, for local setups, HTTP) URL serving the issuer's JSON Web Key Set. */
  jwksUrl?: string;
  /** A PEM public key (SPKI) or certificate, when keys are distributed by hand instead of a JWKS. */
  publicKeyPem?: string;
  /** The `iss` every accepted token carries. */
  issuer: string;
  /** The `aud` every accepted token carries (one of them, when it lists several). */
  audience: string;
  /** Leeway for `exp` and `nbf`, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** Clock (tests). */
  now?: () => Date;
  /**
   * How long a verified token is taken from memory instead of being verified again, in ms (default 60 s;
   * 0 turns the cache off). Never past the token's `exp`; a key removed from the JWKS stops a cached token
   * within this time.
   */
  cacheMs?: number;
}

/** Verified tokens kept at most (the oldest is dropped first). */
const CACHE_ENTRIES = 1000;

/** What a verified token says about its bearer. */
export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
  /** True only in development mode, where nothing is verified. */
  development: boolean;
}

export type TokenRejection = 'expired' | 'invalid' | 'unavailable';

/** A token that cannot be accepted: `expired`, `invalid` (signature, issuer, audience, format) or `unavailable` (keys could not be fetched). */
export class TokenRejectedError extends Error {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TokenRejectedError';
    this.reason = reason;
  }
}

export type JwtVerifier = (token: string) => Promise<Principal>;

/** Scopes from `scope` (space-separated, RFC 8693 and OAuth 2.0) or `scp` (an array or a string). */
export function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') for (const s of claim.split(' ')) if (s !== '') scopes.add(s);
    if (Array.isArray(claim)) for (const s of claim) if (typeof s === 'string' && s !== '') scopes.add(s);
  }
  return scopes;
}

function describeClaimFailure(
  err: InstanceType<typeof errors.JWTClaimValidationFailed>,
  options: JwtVerifierOptions,
) {
  if (err.claim === 'aud')
    return `the token is not meant for this service (audience must include ${options.audience})`;
  if (err.claim === 'iss') return `the token was not issued by ${options.issuer}`;
  if (err.claim === 'nbf') return 'the token is not valid yet';
  return `the token's "${err.claim}" claim is not acceptable`;
}

/** The key set could not be fetched or read (network, timeout, non-200, not JSON): not the token's fault. */
function isKeySetFailure(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  // fetch() rejects with a TypeError whose cause is the socket error.
  return err instanceof TypeError && err.cause !== undefined;
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  if ((options.jwksUrl === undefined) === (options.publicKeyPem === undefined)) {
    throw new TypeError('a JWT verifier needs exactly one of jwksUrl and publicKeyPem');
  }
  const key: KeyObject | ReturnType<typeof createRemoteJWKSet> =
    options.jwksUrl !== undefined
      ? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 })
      : createPublicKey(options.publicKeyPem as string);
  const remote = options.jwksUrl !== undefined;
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds ?? 5,
    requiredClaims: ['exp', 'sub'],
    // Asymmetric algorithms only: a service that verifies must never be able to mint (RFC 8725 §3.1).
    algorithms: [
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
      'Ed25519',
    ],
  };
  // A client sends the same token with every request until it expires: verifying its signature each time
  // (an ES256 verification is a quarter of a millisecond here) would cost more than the request itself.
  const cacheMs = options.cacheMs ?? 60_000;
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const now = options.now?.().getTime() ?? Date.now();
    const cached = verified.get(token);
    if (cached !== undefined) {
      if (now < cached.until) return cached.principal;
      verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, key as KeyObject, {
        ...verifyOptions,
        currentDate: options.now?.(),
      });
      const principal: Principal = {
        subject: String(payload.sub),
        scopes: scopesOf(payload),
        development: false,
      };
      const until = Math.min(now + cacheMs, (payload.exp as number) * 1000);
      if (cacheMs > 0 && until > now) {
        if (verified.size >= CACHE_ENTRIES) verified.delete(verified.keys().next().value as string);
        verified.set(token, { principal, until });
      }
      return principal;
    } catch (err) {
      if (err instanceof errors.JWTExpired)
        throw new TokenRejectedError('expired', 'the token has expired', err);
      if (err instanceof errors.JWTClaimValidationFailed)
        throw new TokenRejectedError('invalid', describeClaimFailure(err, options), err);
      if (err instanceof errors.JWKSNoMatchingKey)
        throw new TokenRejectedError(
          'invalid',
          'the token is signed with a key this service does not know',
          err,
        );
      if (err instanceof errors.JOSEAlgNotAllowed)
        throw new TokenRejectedError(
          'invalid',
          'the token is signed with an algorithm this service refuses',
          err,
        );
      if (err instanceof errors.JWSSignatureVerificationFailed)
        throw new TokenRejectedError('invalid', 'the token signature is not valid', err);
      if (remote && isKeySetFailure(err))
        throw new TokenRejectedError('unavailable', 'the signing keys cannot be fetched right now', err);
      throw new TokenRejectedError(
        'invalid',
        'the token is malformed or its algorithm does not fit the key',
        err,
      );
    }
  };
}
