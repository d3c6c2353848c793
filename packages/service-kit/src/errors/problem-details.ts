// The RFC 9457 problem document every 4xx/5xx response carries, its schema (for OpenAPI) and its builder.
import { STATUS_CODES } from 'node:http';
import { type Static, Type } from 'typebox';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemFieldError = Type.Object(
  {
    path: Type.String({ description: 'JSON Pointer to the offending value, prefixed by the request part' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const ProblemDetails = Type.Object(
  {
    type: Type.String({ description: 'URI identifying the problem type' }),
    title: Type.String({ description: 'Short summary of the problem type' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'Explanation specific to this occurrence' }),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    instance: Type.Optional(Type.String({ description: 'The request path this occurrence relates to' })),
    errors: Type.Optional(Type.Array(ProblemFieldError)),
  },
  // Problem types may add extension members (RFC 9457 §3.2).
  { additionalProperties: true, title: 'ProblemDetails' },
);

export type ProblemDetails = Static<typeof ProblemDetails>;
export type ProblemFieldError = Static<typeof ProblemFieldError>;

export const DEFAULT_PROBLEM_TYPE_BASE = 'https://tributary.dev/problems/';

export interface ProblemInput {
  code: string;
  status: number;
  title?: string;
  detail: string;
  /** The request path; absent only when the request could not even be parsed. */
  instance?: string;
  errors?: ProblemFieldError[];
  extra?: Readonly<Record<string, unknown>>;
  /** Sent as the `Retry-After` header: the same request may succeed after this many seconds. */
  retryAfterSeconds?: number;
}

/** `USER_EMAIL_TAKEN` → `https://tributary.dev/problems/user-email-taken`. */
export function problemTypeUri(code: string, base: string = DEFAULT_PROBLEM_TYPE_BASE): string {
  return base + code.toLowerCase().replaceAll('_', '-');
}

/** `Not Acceptable` → `NOT_ACCEPTABLE`; the generic code for a status nothing more specific describes. */
export function statusCodeName(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase === undefined ? `HTTP_${status}` : phrase.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}

export function buildProblem(
  input: ProblemInput,
  typeBase: string = DEFAULT_PROBLEM_TYPE_BASE,
): ProblemDetails {
  // Standard members are written last so extension members can never overwrite them.
  const problem: ProblemDetails = {
    ...input.extra,
    type: problemTypeUri(input.code, typeBase),
    title: input.title ?? statusTitle(input.status),
    status: input.status,
    detail: input.detail,
    code: input.code,
  };
  if (input.instance !== undefined) problem.instance = input.instance;
  if (input.errors !== undefined && input.errors.length > 0) problem.errors = input.errors;
  return problem;
}

/** Response schema entry documenting a problem+json response in OpenAPI. */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemDetails } } };
}
