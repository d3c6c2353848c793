// OpenAPI 3.1 document generated from the route schemas, served with Swagger UI at /swagger
// (document at /swagger/json). Every documented route also lists its problem+json error responses.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { buildProblem, PROBLEM_CONTENT_TYPE, ProblemDetails } from '../errors/problem-details.ts';
import { PUBLIC_PATH_PREFIXES } from '../security/http-auth.ts';
import { SWAGGER_UI_CSP } from '../security/http-protection.ts';

/** A catch-all problem response with one realistic example, so no documented error shows a made-up one. */
function catchAll(description: string, example: Parameters<typeof buildProblem>[0]) {
  return {
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemDetails, example: buildProblem(example) } },
  };
}

const CLIENT_ERROR = catchAll(
  'Any other client error: malformed JSON, unsupported media type, too large a body',
  {
    code: 'MALFORMED_JSON',
    status: 400,
    title: 'Malformed JSON',
    detail: 'The request body is not valid JSON.',
  },
);
const SERVER_ERROR = catchAll(
  'Unexpected failure (500; the request id finds it in the logs) or the service unavailable (503, with Retry-After)',
  {
    code: 'INTERNAL',
    status: 500,
    title: 'Internal Server Error',
    detail: 'An unexpected error occurred. The request id identifies it in the service logs.',
    extra: { requestId: '5f0c2a8e-93d1-4b7a-8c6e-1d2f3a4b5c6d' },
  },
);

export const SWAGGER_PREFIX = '/swagger';

const BEARER = 'bearerAuth';

/** The bearer token and scopes a route requires (OpenAPI `security`); public routes need none. */
function securityOf(url: string, config: unknown): Array<Record<string, string[]>> {
  const { scopes, public: open } = (config ?? {}) as { scopes?: readonly string[]; public?: boolean };
  if (open === true || PUBLIC_PATH_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`)))
    return [];
  return [{ [BEARER]: [...(scopes ?? [])] }];
}

/** Adds catch-all 4XX/5XX problem+json responses next to the statuses a route documents itself. */
function withProblemResponses(schema: FastifySchema | undefined): FastifySchema | undefined {
  if (schema?.response === undefined || typeof schema.response !== 'object' || schema.response === null) {
    return schema;
  }
  const response = { ...(schema.response as Record<string, unknown>) };
  response['4XX'] ??= CLIENT_ERROR;
  response['5XX'] ??= SERVER_ERROR;
  return { ...schema, response };
}

export async function registerSwagger(
  app: FastifyInstance,
  info: { title: string; version: string; description?: string } = {
    title: 'Tributary service',
    version: '0.1.0',
  },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: {
          [BEARER]: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              "A JWT from the configured issuer, for this service's audience, carrying the scopes the route lists (`scope` or `scp` claim).",
          },
        },
      },
    },
    transform: ({ schema, url, route }) => {
      const documented = withProblemResponses(schema) as typeof schema;
      if (documented === undefined) return { schema: documented, url };
      return { schema: { ...documented, security: securityOf(url, route.config) } as typeof schema, url };
    },
  });
  // Swagger UI gets its own Content-Security-Policy (the API's forbids scripts altogether).
  await app.register(swaggerUi, { routePrefix: SWAGGER_PREFIX, staticCSP: SWAGGER_UI_CSP });
}
