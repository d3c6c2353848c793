// A thrown error whose `code` is in the problem type registry becomes that problem: the status and title
// come from the registry (one code, one meaning everywhere), the detail from the error's message, and
// extension members and Retry-After from a CodedError.
import type { FastifyRequest } from 'fastify';
import { CodedError } from '../errors/coded-error.ts';
import type { ProblemInput } from '../errors/problem-details.ts';
import type { ProblemTypeRegistry } from '../errors/problem-types.ts';

export function registeredProblem(
  error: unknown,
  request: FastifyRequest,
  registry: ProblemTypeRegistry | undefined,
): ProblemInput | undefined {
  if (registry === undefined || !(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const type = registry.get(code);
  if (type === undefined) return undefined;
  if (type.status >= 500) request.log.error({ err: error }, 'request failed: %s', code);
  else request.log.info({ code, status: type.status }, 'request rejected: %s', code);
  const coded = error instanceof CodedError ? error : undefined;
  return {
    code,
    status: type.status,
    title: type.title,
    detail: error.message === '' ? type.title : error.message,
    instance: request.url,
    ...(coded === undefined ? {} : { extra: coded.extra, retryAfterSeconds: coded.retryAfterSeconds }),
  };
}
