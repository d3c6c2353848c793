// Request and correlation ids: taken from `x-request-id` / `x-correlation-id` when the caller sends a
// sane value, generated otherwise, returned in the response and bound into every request log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';

// Ids end up in logs, response headers and event headers: accept only short, printable tokens.
const ID_PATTERN = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function acceptedId(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single !== undefined && ID_PATTERN.test(single) ? single : undefined;
}

const correlationIds = new WeakMap<IncomingMessage, string>();

/**
 * The correlation id of a raw request, decided once: Fastify builds the request logger before any hook
 * runs, and the logger and `request.correlationId` must agree.
 */
export function correlationIdOf(raw: IncomingMessage, generate: () => string = randomUUID): string {
  let id = correlationIds.get(raw);
  if (id === undefined) {
    id = acceptedId(raw.headers[CORRELATION_ID_HEADER]) ?? generate();
    correlationIds.set(raw, id);
  }
  return id;
}

export function requestIdOf(raw: IncomingMessage, generate: () => string = randomUUID): string {
  return acceptedId(raw.headers[REQUEST_ID_HEADER]) ?? generate();
}
