// The principal of a client that proved itself with a TLS certificate (a listener with tlsClientAuth), as
// Kafka's default principal builder names it: `User:` and the certificate's subject as an RFC 2253
// distinguished name, most specific part first (`User:CN=orders,O=Example,C=DE`).

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

// RFC 2253 §2.4: these characters of an attribute value are escaped with a backslash.
const SPECIAL = /[,+"\\<>;]/g;

/** The subject as RFC 2253 text, or undefined when the socket has no verified client certificate. */
export function certificatePrincipal(socket: Socket): string | undefined {
  // Only a TLS socket is `encrypted`; testing that spares a plaintext broker loading Node's TLS module.
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized !== true) return undefined;
  const subject = tls.getPeerX509Certificate?.()?.subject;
  if (subject === undefined || subject === '') return undefined;
  // Node lists the relative names one per line, in the certificate's order (least specific first).
  const names = subject.split('\n').map((rdn) => {
    const eq = rdn.indexOf('=');
    return `${rdn.slice(0, eq)}=${rdn.slice(eq + 1).replace(SPECIAL, (c) => `\\${c}`)}`;
  });
  return `User:${names.reverse().join(',')}`;
}
