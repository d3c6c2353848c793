// OpenAPI building blocks for routes: success responses with a description, an example and headers, and
// the problem+json responses of the codes a route can answer with, each with its own example taken from
// the problem type registry (so a documented 409 shows its 409 code and title, not a generic 400).
import { type TSchema, Type } from 'typebox';
import {
  buildProblem,
  DEFAULT_PROBLEM_TYPE_BASE,
  PROBLEM_CONTENT_TYPE,
  ProblemDetails,
  type ProblemFieldError,
} from '../errors/problem-details.ts';
import type { ProblemTypeRegistry } from '../errors/problem-types.ts';

/** A response header in a route's schema (@fastify/swagger turns it into an OpenAPI header object). */
export interface HeaderDoc {
  type: 'string' | 'integer';
  description: string;
}

/** A JSON response with its description, one example and the headers it sets. */
export function jsonResponse(
  description: string,
  schema: TSchema,
  example: unknown,
  headers?: Record<string, HeaderDoc>,
) {
  return {
    description,
    headers: { ...TRACING_RESPONSE_HEADERS, ...headers },
    content: { 'application/json': { schema, example } },
  };
}

export interface ProblemExample {
  code: string;
  detail: string;
  /** The request path of the example. */
  instance?: string;
  extra?: Record<string, unknown>;
  errors?: ProblemFieldError[];
  /** Documents a `Retry-After` header on this response. */
  retryAfterSeconds?: number;
}

/**
 * One response per status among `examples`: its description lists the codes, its media type carries one
 * named example per code. Every code must be registered (a typo fails when the routes are built).
 */
export function problemResponses(
  registry: ProblemTypeRegistry,
  examples: readonly ProblemExample[],
  typeBase: string = DEFAULT_PROBLEM_TYPE_BASE,
): Record<string, unknown> {
  const byStatus = new Map<number, ProblemExample[]>();
  for (const example of examples) {
    const { status } = registry.require(example.code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), example]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of byStatus) {
    const description = list
      .map((e) => {
        const type = registry.require(e.code);
        return `\`${e.code}\`: ${type.description ?? type.title}`;
      })
      .join('\n\n');
    const retry = list.find((e) => e.retryAfterSeconds !== undefined);
    responses[String(status)] = {
      description,
      ...(retry === undefined
        ? {}
        : {
            headers: {
              'retry-after': {
                type: 'integer',
                description: 'Seconds after which the same request may succeed',
              },
            },
          }),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: ProblemDetails,
          examples: Object.fromEntries(
            list.map((e) => {
              const type = registry.require(e.code);
              const value = buildProblem(
                { ...e, status: type.status, title: type.title, extra: e.extra },
                typeBase,
              );
              return [e.code, { summary: type.title, value }];
            }),
          ),
        },
      },
    };
  }
  return responses;
}

/** The `x-correlation-id` request header every route accepts, for the OpenAPI document. */
export const CORRELATION_ID_HEADER_SCHEMA = Type.Optional(
  Type.String({
    description:
      'Correlation id (1-128 of the characters A-Z a-z 0-9 . _ : @ / + = -) carried into the events this request causes and into every log line about it; generated when absent, always echoed in the response',
    examples: ['checkout-7f3a9c'],
  }),
);

/** Headers every response carries. */
export const TRACING_RESPONSE_HEADERS: Record<string, HeaderDoc> = {
  'x-correlation-id': {
    type: 'string',
    description: 'The correlation id of the request (the one sent, or a generated one)',
  },
  'x-request-id': { type: 'string', description: 'Identifies this request in the service logs' },
};
