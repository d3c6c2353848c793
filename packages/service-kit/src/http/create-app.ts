// The Fastify app both services build on: TypeBox validation, problem+json errors, request/correlation
// ids in every log line, OpenAPI + Swagger UI at /swagger and the health endpoints.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { AppError } from '../errors/app-error.ts';
import { buildProblem, DEFAULT_PROBLEM_TYPE_BASE, PROBLEM_CONTENT_TYPE } from '../errors/problem-details.ts';
import {
  PLATFORM_PROBLEM_TYPES,
  ProblemTypeRegistry,
  type ProblemTypeTable,
} from '../errors/problem-types.ts';
import { registerHealthRoutes } from '../health/health-routes.ts';
import { type ReadinessCheck, ReadinessChecks } from '../health/readiness.ts';
import { AUTH_PROBLEM_TYPES, type HttpAuth, registerAuth } from '../security/http-auth.ts';
import {
  type HttpProtectionOptions,
  RATE_LIMIT_PROBLEM_TYPES,
  registerHttpProtection,
} from '../security/http-protection.ts';
import { registerHttpMetrics, registerMetricsRoute } from '../telemetry/metrics-routes.ts';
import { DEFAULT_MAX_JSON_DEPTH, registerJsonBodyParser } from './json-body-parser.ts';
import { type ProblemReplyOptions, problemFromError, sendProblem } from './problem-responses.ts';
import { CORRELATION_ID_HEADER, correlationIdOf, REQUEST_ID_HEADER, requestIdOf } from './request-context.ts';
import { RouteTable } from './route-table.ts';
import { registerSwagger } from './swagger.ts';
import { typeboxValidatorCompiler } from './validator-compiler.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Accepted from `x-correlation-id` or generated; propagate it into the events this request causes. */
    correlationId: string;
  }
  interface FastifyInstance {
    /** Readiness checks behind /health/ready; services add theirs as their components start. */
    readiness: ReadinessChecks;
    /** Every error code this app answers with, with its one status and title (for route documentation). */
    problemTypes: ProblemTypeRegistry;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Seconds a client is asked to wait after a 503 (a database outage, a shutdown). */
const RETRY_AFTER_SECONDS = 1;

export interface CreateAppOptions {
  /** Base logger (see createLogger); request logs are its children with `component: 'http'`. */
  logger: FastifyBaseLogger;
  /** OpenAPI document info. */
  openapi?: { title: string; version: string; description?: string };
  readinessChecks?: readonly ReadinessCheck[];
  /** Per-check timeout of /health/ready, default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Maximum request body in bytes, default 1 MiB. */
  bodyLimit?: number;
  /** Prefix of problem `type` URIs, default `https://tributary.dev/problems/`. */
  problemTypeBase?: string;
  /** Id generator for request and correlation ids (tests); default random UUIDs. */
  generateId?: () => string;
  /** The service's error codes with their status and title, added to the platform's. */
  problemTypes?: ProblemTypeTable;
  /** Deepest nesting of arrays and objects a JSON body may have, default 32. */
  maxJsonDepth?: number;
  /**
   * Time limits, so a client trickling a request cannot hold a connection: the headers must arrive within
   * `headersTimeoutMs` (default 10 s), the whole request within `requestTimeoutMs` (default 30 s); an idle
   * keep-alive connection closes after `keepAliveTimeoutMs` (default 5 s).
   */
  timeouts?: { headersTimeoutMs?: number; requestTimeoutMs?: number; keepAliveTimeoutMs?: number };
  /** Serves `/metrics` with what this returns (see startTelemetry's `scrape`). */
  metrics?: () => Promise<string>;
  /**
   * Who may call the routes (see httpSecurityFromConfig). Default development mode: nothing is checked, so
   * a process serving real clients must pass its configured authentication.
   */
  auth?: HttpAuth;
  /** Rate limit and CORS; security headers and `Cache-Control: no-store` are always on. */
  protection?: HttpProtectionOptions;
}

export async function createApp(options: CreateAppOptions): Promise<App> {
  const generateId = options.generateId ?? randomUUID;
  const problems: ProblemReplyOptions = {
    problemTypeBase: options.problemTypeBase ?? DEFAULT_PROBLEM_TYPE_BASE,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    problemTypes: new ProblemTypeRegistry(
      PLATFORM_PROBLEM_TYPES,
      AUTH_PROBLEM_TYPES,
      RATE_LIMIT_PROBLEM_TYPES,
      options.problemTypes ?? {},
    ),
  };
  const requestTimeout = options.timeouts?.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(options.timeouts?.headersTimeoutMs ?? 10_000, requestTimeout);
  const routes = new RouteTable();
  let closing = false;

  const app: App = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }),
    bodyLimit: problems.bodyLimit,
    requestTimeout,
    keepAliveTimeout: options.timeouts?.keepAliveTimeoutMs ?? 5_000,
    // Node checks the header and request deadlines on this interval (default 30 s, far past them).
    http: { headersTimeout, connectionsCheckingInterval: Math.min(1_000, headersTimeout) },
    genReqId: (raw: IncomingMessage) => requestIdOf(raw, generateId),
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes hit these every few seconds; a failing readiness check logs on its own.
      disableRequestLogging: (request) => request.url?.startsWith('/health') === true,
    }),
    childLoggerFactory: (logger, bindings, childOptions, raw) =>
      logger.child({ ...bindings, correlationId: correlationIdOf(raw, generateId) }, childOptions),
    // Our own onRequest guard answers with problem+json instead of Fastify's plain 503 while closing.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      reply.header(CORRELATION_ID_HEADER, correlationIdOf(request.raw, generateId));
      sendProblem(reply, problemFromError(error, request, problems), problems);
    },
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body = JSON.stringify(
        buildProblem(
          {
            code:
              status === 400 ? 'MALFORMED_REQUEST' : status === 431 ? 'HEADERS_TOO_LARGE' : 'REQUEST_TIMEOUT',
            status,
            detail: 'The HTTP request could not be parsed.',
          },
          problems.problemTypeBase,
        ),
      );
      socket.end(
        `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout'}\r\n` +
          `Connection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(typeboxValidatorCompiler);
  // The APIs speak JSON only. Fastify's default text/plain parser would hand a string to the body schema
  // (a confusing "must be object"); without it such bodies get 415 like any other media type.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  app.decorate('readiness', new ReadinessChecks(options.readinessChecks, options.readinessTimeoutMs));
  app.decorate('problemTypes', problems.problemTypes!);
  app.decorateRequest('correlationId', '');

  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = correlationIdOf(request.raw, generateId);
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header(CORRELATION_ID_HEADER, request.correlationId);
    if (closing) {
      reply.header('connection', 'close');
      throw new AppError({
        code: 'SHUTTING_DOWN',
        status: 503,
        title: 'Service shutting down',
        detail: 'The service is shutting down; retry against another instance.',
        retriable: true,
      });
    }
  });

  // Responses finishing during close end their keep-alive connection, otherwise the server waits for the
  // client to hang up.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request, problems);
    // Every 503 is temporary (shutting down, database unavailable): say when to come back.
    if (problem.status === 503 && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    }
    return sendProblem(reply, problem, problems);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0];
    const allowed = routes.allowedMethods(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        {
          code: 'METHOD_NOT_ALLOWED',
          status: 405,
          detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`,
          instance: request.url,
        },
        problems,
      );
    }
    return sendProblem(
      reply,
      {
        code: 'ROUTE_NOT_FOUND',
        status: 404,
        detail: `No route for ${request.method} ${path}.`,
        instance: request.url,
      },
      problems,
    );
  });

  // Before any route: the rate limit's hook runs ahead of token verification, which costs a signature check.
  await registerHttpProtection(app, options.protection ?? {});
  registerAuth(app, options.auth ?? { mode: 'development' });
  await registerSwagger(app, options.openapi);
  registerHealthRoutes(app, app.readiness, problems);
  registerHttpMetrics(app);
  if (options.metrics !== undefined) registerMetricsRoute(app, options.metrics);
  return app;
}
