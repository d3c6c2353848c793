// Who an audited action is attributed to: the name the UI sends (`x-console-user`), and the client address.
import type { FastifyRequest } from 'fastify';

export function requestUser(request: FastifyRequest): string {
  const named = request.headers['x-console-user'];
  const name = typeof named === 'string' && named.trim() !== '' ? named.trim().slice(0, 100) : 'anonymous';
  return `${name} (${request.ip})`;
}
