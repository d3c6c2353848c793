// How the transport's clients authenticate to the brokers and protect the connection: SASL (PLAIN, SCRAM,
// RFC 4616 and RFC 5802/7677) and TLS with an optional private CA and client certificate. The password is
// kept out of anything printable: the object holding it renders as "[redacted]" in logs and inspection.
import { inspect } from 'node:util';

export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSaslCredentials {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

export interface KafkaTlsOptions {
  /** PEM certificates of the CAs to trust instead of the system's (a private CA). */
  ca?: string;
  /** PEM client certificate and key, for brokers that authenticate clients by certificate (mTLS). */
  cert?: string;
  key?: string;
  /** Name to verify the broker certificate against, when it differs from the host dialled. */
  servername?: string;
}

export interface KafkaSecurity {
  sasl?: KafkaSaslCredentials;
  /** TLS on every broker connection; `{}` is TLS with the system's CAs. */
  tls?: KafkaTlsOptions;
}

/** A value that prints as "[redacted]" however it is logged (pino, util.inspect, JSON.stringify). */
function redacted<T extends object>(value: T): T {
  Object.defineProperties(value, {
    toJSON: { value: () => '[redacted]', enumerable: false },
    [inspect.custom]: { value: () => '[redacted]', enumerable: false },
  });
  return value;
}

/** The options @platformatic/kafka's clients take for this security (spread into each constructor). */
export function clientSecurityOptions(security: KafkaSecurity | undefined): {
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  tls?: { ca?: string; cert?: string; key?: string; servername?: string };
} {
  if (security === undefined) return {};
  return {
    ...(security.sasl === undefined ? {} : { sasl: redacted({ ...security.sasl }) }),
    ...(security.tls === undefined ? {} : { tls: redacted({ ...security.tls }) }),
  };
}

/** What may be logged about the security in use: mechanism and user, never the password or keys. */
export function describeKafkaSecurity(security: KafkaSecurity | undefined): string {
  const sasl =
    security?.sasl === undefined ? 'no SASL' : `SASL ${security.sasl.mechanism} as ${security.sasl.username}`;
  const tls =
    security?.tls === undefined
      ? 'plaintext'
      : `TLS${security.tls.ca !== undefined ? ' (private CA)' : ''}${security.tls.cert !== undefined ? ' with a client certificate' : ''}`;
  return `${tls}, ${sasl}`;
}
