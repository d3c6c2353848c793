// /health/live (the process answers), /health/ready and /health (every registered check passes).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problemResponse } from '../errors/problem-details.ts';
import { type ProblemReplyOptions, sendProblem } from '../http/problem-responses.ts';
import { type ReadinessChecks, ReadinessReport } from './readiness.ts';

const Liveness = Type.Object({ status: Type.Literal('alive') });

export function registerHealthRoutes(
  app: FastifyInstance,
  checks: ReadinessChecks,
  problems: ProblemReplyOptions,
): void {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: 200 while the process runs',
        response: { 200: Liveness },
      },
    },
    async () => ({ status: 'alive' as const }),
  );

  const readySchema = {
    tags: ['health'],
    summary: 'Readiness: 200 when every registered check passes, 503 naming the failing ones',
    response: { 200: ReadinessReport, 503: problemResponse('At least one readiness check failed') },
  };
  for (const url of ['/health/ready', '/health']) {
    app.get(url, { schema: readySchema }, async (request, reply) => {
      const report = await checks.run();
      if (report.status === 'ready') return report;
      const failing = report.checks.filter((check) => !check.ok);
      request.log.warn({ failing }, 'not ready');
      return sendProblem(
        reply,
        {
          code: 'NOT_READY',
          status: 503,
          title: 'Service not ready',
          detail: `Failing checks: ${failing
            .map((check) => (check.detail === undefined ? check.name : `${check.name} (${check.detail})`))
            .join(', ')}`,
          instance: request.url,
          extra: { checks: report.checks },
        },
        problems,
      );
    });
  }
}
