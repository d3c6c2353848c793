// Consumer groups: lag of every group, one group's members, assignment and lag per partition with its
// history, and offset resets (preview, then confirmed, only for a group without members).
import type { App } from '@tributary/service-kit';
import { Type } from 'typebox';
import type { ConsoleContext } from '../console-context.ts';
import { ConsoleError } from '../errors/console-error.ts';
import { kafkaCall } from './kafka-call.ts';
import { requestUser } from './request-user.ts';

const GroupParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) });
const ResetBody = Type.Object(
  {
    to: Type.Union([Type.Literal('earliest'), Type.Literal('latest'), Type.Literal('timestamp')]),
    timestamp: Type.Optional(
      Type.String({ minLength: 1, description: 'ISO time or epoch ms, with to=timestamp' }),
    ),
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 249 })),
    dryRun: Type.Boolean({ default: true }),
    confirm: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export function registerGroupRoutes(app: App, ctx: ConsoleContext): void {
  app.get(
    '/api/groups',
    { schema: { tags: ['groups'], summary: 'Every consumer group with its lag' } },
    async () => kafkaCall(async () => ({ groups: await ctx.groups.all() })),
  );

  app.get(
    '/api/groups/:id',
    {
      schema: {
        tags: ['groups'],
        summary: 'A group: members, assignment, lag now and over time',
        params: GroupParams,
      },
    },
    async (request) =>
      kafkaCall(async () => ({
        ...(await ctx.groups.one(request.params.id)),
        history: ctx.lagHistory.of(request.params.id),
      })),
  );

  app.post(
    '/api/groups/:id/offsets',
    {
      schema: {
        tags: ['groups'],
        summary: 'Reset offsets (preview unless dryRun is false and confirm is true)',
        params: GroupParams,
        body: ResetBody,
      },
    },
    async (request) => {
      const body = request.body;
      let timestamp: number | undefined;
      if (body.timestamp !== undefined) {
        timestamp = /^\d+$/.test(body.timestamp) ? Number(body.timestamp) : Date.parse(body.timestamp);
        if (!Number.isFinite(timestamp)) {
          throw new ConsoleError(
            'INVALID_FILTER',
            `timestamp ${JSON.stringify(body.timestamp)} is not a time`,
          );
        }
      }
      const reset = { group: request.params.id, to: body.to, timestamp, topic: body.topic };
      if (body.dryRun)
        return { dryRun: true, partitions: await kafkaCall(() => ctx.offsetReset.preview(reset)) };
      if (!body.confirm) {
        throw new ConsoleError(
          'CONFIRMATION_REQUIRED',
          'resetting offsets needs "confirm": true (preview it first)',
        );
      }
      const target = `group ${reset.group}${reset.topic ? ` topic ${reset.topic}` : ''}`;
      try {
        const partitions = await kafkaCall(() => ctx.offsetReset.apply(reset));
        await ctx.audit.record({
          who: requestUser(request),
          action: 'reset-offsets',
          target,
          outcome: 'ok',
          detail: `to ${body.to}${body.timestamp ? ` ${body.timestamp}` : ''}: ${partitions.length} partition(s)`,
        });
        return { dryRun: false, partitions };
      } catch (err) {
        await ctx.audit.record({
          who: requestUser(request),
          action: 'reset-offsets',
          target,
          outcome: 'failed',
          detail: (err as Error).message,
        });
        throw err;
      }
    },
  );
}
