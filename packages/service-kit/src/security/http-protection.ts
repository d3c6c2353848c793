// Protections every HTTP response gets: security headers (helmet) with a Content-Security-Policy strict for
// the JSON API and one that lets Swagger UI run, CORS only for configured origins, a per-client rate limit
// (429 with Retry-After) and `Cache-Control: no-store`, since the APIs answer with personal data.
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { CodedError } from '../errors/coded-error.ts';
import { PUBLIC_PATH_PREFIXES } from './http-auth.ts';

export interface HttpProtectionOptions {
  /** Requests one client (IP address) may make per window; 0 or unset: no limit. */
  rateLimitMax?: number;
  /** The rate limit's window in milliseconds, default 1000. */
  rateLimitWindowMs?: number;
  /** Origins allowed to call the API from a browser; empty (the default) sends no CORS headers. */
  corsOrigins?: readonly string[];
}

export const RATE_LIMIT_PROBLEM_TYPES = {
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    description: 'The client sent more requests than its limit allows; retry after `Retry-After` seconds.',
  },
} as const;

/** A JSON API renders nothing: forbid every kind of content and framing. */
const API_CSP = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * A page of this app (Swagger UI, a console's UI): its scripts, styles and data come from this origin (no
 * CDN, no inline scripts); bundles set inline styles, and icons are data: images. No
 * upgrade-insecure-requests, which would send the page's own requests to https on a plain-HTTP service.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/** Swagger UI is such a page. */
export const SWAGGER_UI_CSP = PAGE_CSP;

function isPublicPath(url: string): boolean {
  return PUBLIC_PATH_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`));
}

export async function registerHttpProtection(
  app: FastifyInstance,
  options: HttpProtectionOptions,
): Promise<void> {
  // Helmet's headers, its middleware built once. (@fastify/helmet builds helmet's middleware again on every
  // request, parsing the CSP directives each time: 5.5–6.6 µs against 0.6–0.7 µs per request timed alone,
  // besides two async hooks of its own.) Cross-origin
  // isolation headers would stop browsers embedding nothing here anyway; keep the defaults (nosniff,
  // frameguard, HSTS, referrer-policy no-referrer, ...).
  const securityHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, () => done());
  });
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...options.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id', 'traceparent'],
      exposedHeaders: ['location', 'retry-after', 'x-request-id', 'x-correlation-id', 'idempotent-replayed'],
      maxAge: 600,
    });
  }
  const max = options.rateLimitMax ?? 0;
  const windowMs = options.rateLimitWindowMs ?? 1000;
  if (max > 0) {
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: windowMs,
      // Probes and scrapers call these on their own schedule; a limit there would only fail them.
      allowList: (request: FastifyRequest) => isPublicPath(request.url),
      errorResponseBuilder: (_request, context) =>
        new CodedError(
          'RATE_LIMITED',
          `At most ${context.max} requests per ${windowMs} ms from one client; retry in ${context.after}.`,
        ),
    });
  }
  app.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('cache-control') && !request.url.startsWith('/swagger/static/')) {
      reply.header('cache-control', 'no-store');
    }
    // An HTML page (a UI served by the app) runs its own scripts; JSON keeps the CSP that forbids all.
    const type = reply.getHeader('content-type');
    const csp = reply.getHeader('content-security-policy');
    // Still helmet's API policy (a route that set its own keeps it).
    const apiPolicy = csp === undefined || String(csp).startsWith("default-src 'none'");
    if (typeof type === 'string' && type.startsWith('text/html') && apiPolicy) {
      reply.header('content-security-policy', PAGE_CSP);
    }
  });
}
