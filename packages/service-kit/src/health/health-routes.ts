// /health/live (the process answers), /health/ready (the required checks pass: the API can be served) and
// /health (every check, with failures of the optional ones reported as `degraded`, still 200).
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

  const routes = [
    {
      url: '/health/ready',
      scope: 'readiness' as const,
      summary:
        'Readiness: 200 when the checks the API needs pass (database, consumer), 503 naming the failing ones',
    },
    {
      url: '/health',
      scope: 'all' as const,
      summary:
        'Health: every check; 200 `ready` or `degraded` (broker, circuit breaker or outbox lagging), 503 when not ready',
    },
  ];
  for (const { url, scope, summary } of routes) {
    const schema = {
      tags: ['health'],
      summary,
      response: { 200: ReadinessReport, 503: problemResponse('At least one required check failed') },
    };
    app.get(url, { schema }, async (request, reply) => {
      const report = await checks.run(scope);
      if (report.status !== 'not_ready') return report;
      const failing = report.checks.filter((check) => !check.ok && check.required);
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
