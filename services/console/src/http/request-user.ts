// Who an audited action is attributed to: the subject of a verified JWT, else the name the UI sends
// (`x-console-user`, unverified), and the client address.
import type { FastifyRequest } from 'fastify';

const subjects = new WeakMap<FastifyRequest, string>();

/** Records the verified subject of the request's token (auth.ts). */
export function setRequestSubject(request: FastifyRequest, subject: string): void {
  subjects.set(request, subject);
}

export function requestUser(request: FastifyRequest): string {
  const verified = subjects.get(request);
  if (verified !== undefined) return `${verified.slice(0, 200)} (${request.ip})`;
  const named = request.headers['x-console-user'];
  const name = typeof named === 'string' && named.trim() !== '' ? named.trim().slice(0, 100) : 'anonymous';
  return `${name} (${request.ip})`;
}
