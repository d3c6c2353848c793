// Every 4xx/5xx leaves the app as RFC 9457 problem+json: domain errors (AppError), validation failures,
// Fastify's own errors (bad JSON, body too large, unsupported media type, unknown route, ...) and anything
// unexpected, which becomes a 500 without its message or stack (those go to the log).
import { databaseErrorIn, errorSummary, isDatabaseUnavailable, rootCauseOf } from '@tributary/database';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import {
  buildProblem,
  PROBLEM_CONTENT_TYPE,
  type ProblemInput,
  statusCodeName,
  statusTitle,
} from '../errors/problem-details.ts';
import type { ProblemTypeRegistry } from '../errors/problem-types.ts';
import { registeredProblem } from './registered-problem.ts';
import { toFieldErrors } from './validation-errors.ts';

/** Fastify error codes that get a code, title and detail of their own; others map by status. */
const FRAMEWORK_ERRORS: Record<string, { code: string; title: string; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'MALFORMED_JSON',
    title: 'Malformed JSON',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_JSON',
    title: 'Malformed JSON',
    detail: 'The request body is empty but the content type is application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', title: 'Payload too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported media type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH', title: 'Invalid Content-Length' },
  FST_ERR_BAD_URL: { code: 'BAD_URL', title: 'Bad URL', detail: 'The request URL is not valid.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'URI_TOO_LONG',
    title: 'URI too long',
    detail: 'A path parameter is too long.',
  },
};

const VALIDATION_DETAILS: Record<string, string> = {
  body: 'The request body does not match its schema.',
  querystring: 'The query string does not match its schema.',
  params: 'The path parameters do not match their schema.',
  headers: 'The request headers do not match their schema.',
};

export interface ProblemReplyOptions {
  problemTypeBase: string;
  bodyLimit: number;
  /** Codes with their one status and title; an error carrying a registered code becomes that problem. */
  problemTypes?: ProblemTypeRegistry;
}

export function sendProblem(
  reply: FastifyReply,
  input: ProblemInput,
  options: ProblemReplyOptions,
): FastifyReply {
  const problem = buildProblem(input, options.problemTypeBase);
  if (input.retryAfterSeconds !== undefined) reply.header('retry-after', String(input.retryAfterSeconds));
  // Sent as a string so no route response schema can reshape or strip the problem document.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string';
}

function validStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
    ? value
    : undefined;
}

/** Maps any thrown value to a problem; logs it at the level its status deserves. */
export function problemFromError(
  error: unknown,
  request: FastifyRequest,
  options: ProblemReplyOptions,
): ProblemInput {
  const instance = request.url;
  const registered = registeredProblem(error, request, options.problemTypes);
  if (registered !== undefined) return registered;
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed: %s', error.code);
    else request.log.info({ code: error.code, status: error.status }, 'request rejected: %s', error.code);
    return {
      code: error.code,
      status: error.status,
      title: error.title,
      detail: error.detail ?? error.title,
      instance,
      extra: error.extra,
    };
  }
  if (isFastifyError(error) && error.validation !== undefined) {
    const part = error.validationContext ?? 'body';
    const errors = toFieldErrors(part, error.validation);
    request.log.info({ code: 'VALIDATION_FAILED', errors }, 'request rejected: VALIDATION_FAILED');
    return {
      code: 'VALIDATION_FAILED',
      status: 400,
      title: 'Validation failed',
      detail: VALIDATION_DETAILS[part] ?? VALIDATION_DETAILS.body,
      instance,
      errors,
    };
  }
  const status = validStatus((error as { statusCode?: unknown } | null)?.statusCode);
  if (status !== undefined && status < 500) {
    const known = isFastifyError(error) ? FRAMEWORK_ERRORS[error.code] : undefined;
    const code = known?.code ?? statusCodeName(status);
    let detail =
      known?.detail ?? (error instanceof Error && error.message !== '' ? error.message : statusTitle(status));
    if (code === 'PAYLOAD_TOO_LARGE')
      detail = `The request body exceeds the limit of ${options.bodyLimit} bytes.`;
    if (code === 'UNSUPPORTED_MEDIA_TYPE') {
      const contentType = request.headers['content-type'];
      detail =
        contentType === undefined
          ? 'The request has a body but no Content-Type; send application/json.'
          : `Content-Type ${JSON.stringify(contentType)} is not supported; send application/json.`;
    }
    request.log.info({ code, status }, 'request rejected: %s', code);
    return { code, status, title: known?.title ?? statusTitle(status), detail, instance };
  }
  if (isDatabaseUnavailable(error)) {
    // Expected during a database outage or before the database is reachable at startup: one warning line
    // per request, no stack, and a status the client (or its load balancer) retries.
    request.log.warn(
      { error: errorSummary(error) },
      `${rootCauseOf(error)}: request failed, database unavailable`,
    );
    return {
      code: 'DATABASE_UNAVAILABLE',
      status: 503,
      title: 'Service unavailable',
      detail:
        databaseErrorIn(error)?.code === 'DB_OUT_OF_RESOURCES'
          ? "The service's database is out of disk space, memory or connections right now; retry after the delay in Retry-After."
          : 'The service cannot reach its database right now; retry after the delay in Retry-After.',
      instance,
    };
  }
  request.log.error({ err: error }, 'unhandled error');
  const serverStatus = status ?? 500;
  return {
    code: serverStatus === 500 ? 'INTERNAL' : statusCodeName(serverStatus),
    status: serverStatus,
    title: statusTitle(serverStatus),
    detail: 'An unexpected error occurred. The request id identifies it in the service logs.',
    instance,
    extra: { requestId: request.id },
  };
}
