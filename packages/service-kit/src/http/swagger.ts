// OpenAPI 3.1 document generated from the route schemas, served with Swagger UI at /swagger
// (document at /swagger/json). Every documented route also lists its problem+json error responses.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { problemResponse } from '../errors/problem-details.ts';

export const SWAGGER_PREFIX = '/swagger';

/** Adds catch-all 4XX/5XX problem+json responses next to the statuses a route documents itself. */
function withProblemResponses(schema: FastifySchema | undefined): FastifySchema | undefined {
  if (schema?.response === undefined || typeof schema.response !== 'object' || schema.response === null) {
    return schema;
  }
  const response = { ...(schema.response as Record<string, unknown>) };
  response['4XX'] ??= problemResponse('Client error');
  response['5XX'] ??= problemResponse('Server error');
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
    openapi: { openapi: '3.1.0', info },
    transform: ({ schema, url }) => ({ schema: withProblemResponses(schema) as typeof schema, url }),
  });
  await app.register(swaggerUi, { routePrefix: SWAGGER_PREFIX });
}
