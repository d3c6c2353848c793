// Background redrive jobs: list, progress of one, cancel.
import type { App } from '@tributary/service-kit';
import { Type } from 'typebox';
import type { ConsoleContext } from '../console-context.ts';
import { ConsoleError } from '../errors/console-error.ts';
import { requestUser } from './request-user.ts';

// Any text up to a length: an id that is no job's (malformed or not) is a 404, not a 400.
const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export function registerRedriveJobRoutes(app: App, ctx: ConsoleContext): void {
  const found = (id: string) => {
    const job = ctx.redriveJobs.get(id);
    if (!job)
      throw new ConsoleError('REDRIVE_JOB_NOT_FOUND', `no redrive job has the id ${JSON.stringify(id)}`);
    return job;
  };

  app.get(
    '/api/redrive-jobs',
    { schema: { tags: ['dead letters'], summary: 'Recent redrive jobs, newest first' } },
    async () => ({ jobs: ctx.redriveJobs.list() }),
  );

  app.get(
    '/api/redrive-jobs/:id',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'A redrive job: state and progress',
        description:
          'state is running, done, cancelled, failed or interrupted (the console stopped while it ran); sent, skipped (held back by the loop guard), failed and total count dead letters.',
        params: JobParams,
      },
    },
    async (request) => ({ job: found(request.params.id) }),
  );

  app.post(
    '/api/redrive-jobs/:id/cancel',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Cancel a running redrive job',
        description:
          'Stops after the dead letter in flight and answers with the job as it ended; an ended job is returned as it is.',
        params: JobParams,
      },
    },
    async (request) => {
      found(request.params.id);
      return { job: await ctx.redriveJobs.cancel(request.params.id, requestUser(request)) };
    },
  );
}
