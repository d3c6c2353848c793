// SASL on a listener (KIP-43, KIP-152, KIP-368): each connection must authenticate with SaslHandshake v1
// and SaslAuthenticate before any other request but ApiVersions; a session lasts `sessionLifetimeMs`,
// after which the client re-authenticates on the same connection or is disconnected at its next request.
import type { Logger } from 'pino';
import type { ConnectionInfo } from '../server/connection.ts';
import type { CredentialStore } from './credential-store.ts';
import { SCRAM_MECHANISMS, ScramError, type ScramMechanism, ScramServerExchange } from './scram.ts';

export const SASL_MECHANISMS = ['PLAIN', ...SCRAM_MECHANISMS] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

interface Session {
  mechanism?: SaslMechanism;
  exchange?: ScramServerExchange;
  principal?: string;
  /** performance.now() past which the session needs re-authentication; Infinity: never. */
  expiresAt: number;
}

export type AuthenticateResult =
  | { ok: true; authBytes: Buffer; done: boolean; sessionLifetimeMs: number }
  | { ok: false; errorCode: 'SASL_AUTHENTICATION_FAILED' | 'ILLEGAL_SASL_STATE'; message: string };

export interface SaslAuthenticatorOptions {
  mechanisms: readonly SaslMechanism[];
  credentials: CredentialStore;
  /** 0: sessions never expire. */
  sessionLifetimeMs: number;
  logger: Logger;
  now?: () => number;
}

export class SaslAuthenticator {
  readonly mechanisms: readonly SaslMechanism[];
  readonly #credentials: CredentialStore;
  readonly #lifetimeMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sessions = new WeakMap<ConnectionInfo, Session>();

  /** The users it checks logins against (changed at run time by AlterUserScramCredentials). */
  get credentials(): CredentialStore {
    return this.#credentials;
  }

  constructor(options: SaslAuthenticatorOptions) {
    this.mechanisms = options.mechanisms;
    this.#credentials = options.credentials;
    this.#lifetimeMs = options.sessionLifetimeMs;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => performance.now());
  }

  #session(connection: ConnectionInfo): Session {
    let session = this.#sessions.get(connection);
    if (session === undefined) {
      session = { expiresAt: Number.NEGATIVE_INFINITY };
      this.#sessions.set(connection, session);
    }
    return session;
  }

  /** The authenticated principal (`User:<name>`) of a connection, if its session is current. */
  principal(connection: ConnectionInfo): string | undefined {
    const session = this.#sessions.get(connection);
    if (session?.principal === undefined || this.#now() >= session.expiresAt) return undefined;
    return session.principal;
  }

  /** Why the connection may not send this request (it is then closed), or undefined when it may. */
  refusal(apiKey: number, connection: ConnectionInfo): string | undefined {
    if (apiKey === API_VERSIONS || apiKey === SASL_HANDSHAKE || apiKey === SASL_AUTHENTICATE)
      return undefined;
    const session = this.#sessions.get(connection);
    if (session?.principal === undefined) return `API key ${apiKey} before SASL authentication`;
    if (this.#now() >= session.expiresAt)
      return `API key ${apiKey} after the SASL session of ${session.principal} expired`;
    return undefined;
  }

  /** SaslHandshake: picks the mechanism of the exchange that follows. */
  handshake(mechanism: string, connection: ConnectionInfo): boolean {
    const session = this.#session(connection);
    if (!(this.mechanisms as readonly string[]).includes(mechanism)) {
      connection.logger.warn({ mechanism, enabled: this.mechanisms }, 'SASL refused: mechanism not enabled');
      session.mechanism = undefined;
      return false;
    }
    session.mechanism = mechanism as SaslMechanism;
    session.exchange = undefined;
    return true;
  }

  /** One SaslAuthenticate round of the mechanism the handshake chose. */
  authenticate(authBytes: Buffer, connection: ConnectionInfo): AuthenticateResult {
    const session = this.#session(connection);
    const mechanism = session.mechanism;
    if (mechanism === undefined) {
      connection.logger.warn('SASL refused: SaslAuthenticate without a successful SaslHandshake');
      return {
        ok: false,
        errorCode: 'ILLEGAL_SASL_STATE',
        message: 'SaslAuthenticate needs a SaslHandshake first',
      };
    }
    try {
      if (mechanism === 'PLAIN') return this.#plain(authBytes, session, connection);
      return this.#scram(mechanism, authBytes, session, connection);
    } catch (err) {
      const reason = err instanceof ScramError ? err.message : 'malformed authentication bytes';
      session.exchange = undefined;
      session.mechanism = undefined;
      connection.logger.warn({ mechanism, reason }, 'SASL authentication failed');
      return {
        ok: false,
        errorCode: 'SASL_AUTHENTICATION_FAILED',
        message: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
      };
    }
  }

  #plain(authBytes: Buffer, session: Session, connection: ConnectionInfo): AuthenticateResult {
    // RFC 4616: [authzid] NUL authcid NUL passwd
    const parts = authBytes.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new ScramError('malformed PLAIN message');
    const [authzid, username, password] = parts;
    if (authzid !== '' && authzid !== username)
      throw new ScramError('authorization identity differs from user');
    if (!this.#credentials.checkPassword(username, password)) {
      throw new ScramError(`invalid credentials for user ${JSON.stringify(username)}`);
    }
    return this.#succeed(session, username, 'PLAIN', connection, Buffer.alloc(0));
  }

  #scram(
    m: ScramMechanism,
    authBytes: Buffer,
    session: Session,
    connection: ConnectionInfo,
  ): AuthenticateResult {
    const message = authBytes.toString('utf8');
    if (session.exchange === undefined) {
      const exchange = new ScramServerExchange(
        m,
        (name) => this.#credentials.credential(name, m),
        (name) => this.#credentials.decoy(name),
      );
      const serverFirst = exchange.first(message);
      session.exchange = exchange;
      return { ok: true, authBytes: Buffer.from(serverFirst), done: false, sessionLifetimeMs: 0 };
    }
    const exchange = session.exchange;
    session.exchange = undefined;
    let serverFinal: string;
    try {
      serverFinal = exchange.final(message);
    } catch (err) {
      throw new ScramError(`${(err as Error).message} for user ${JSON.stringify(exchange.username)}`);
    }
    return this.#succeed(session, exchange.username as string, m, connection, Buffer.from(serverFinal));
  }

  #succeed(
    session: Session,
    username: string,
    mechanism: SaslMechanism,
    connection: ConnectionInfo,
    authBytes: Buffer,
  ): AuthenticateResult {
    const principal = `User:${username}`;
    // KIP-368: a re-authentication may not change who the connection is.
    if (session.principal !== undefined && session.principal !== principal) {
      throw new ScramError(`re-authentication as ${principal} on a connection of ${session.principal}`);
    }
    const reauth = session.principal !== undefined;
    session.principal = principal;
    session.mechanism = undefined;
    session.expiresAt = this.#lifetimeMs > 0 ? this.#now() + this.#lifetimeMs : Number.POSITIVE_INFINITY;
    connection.logger.info({ principal, mechanism, reauthentication: reauth }, 'SASL authenticated');
    return { ok: true, authBytes, done: true, sessionLifetimeMs: this.#lifetimeMs };
  }
}
