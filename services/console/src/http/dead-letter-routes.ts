// Dead letters: failures grouped by error code, event type and origin; each dead letter with its error and
// headers; redrive (dry run first, confirmed, rate-limited, loop-guarded), edit and redrive, discard.
// Every action that changes something is written to the audit log, whatever its outcome.
import type { App } from '@tributary/service-kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ConsoleContext } from '../console-context.ts';
import { DeadLetterStore } from '../dead-letters/dead-letter-store.ts';
import { ConsoleError } from '../errors/console-error.ts';
import { kafkaCall } from './kafka-call.ts';
import { requestUser } from './request-user.ts';

const Ref = Type.Object(
  {
    dlq: Type.String({ minLength: 1, maxLength: 249 }),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String({ pattern: '^[0-9]{1,19}$' }),
  },
  { additionalProperties: false },
);
const Selection = {
  failureGroup: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  items: Type.Optional(Type.Array(Ref, { minItems: 1, maxItems: 10_000 })),
};
const RedriveBody = Type.Object(
  { ...Selection, dryRun: Type.Boolean({ default: true }), confirm: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);
const DiscardBody = Type.Object(
  { ...Selection, confirm: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);
const EditBody = Type.Object(
  {
    item: Ref,
    value: Type.Unknown({ description: 'the new event body (JSON)' }),
    confirm: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { failureGroup: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false },
);

function selectionOf<T extends { failureGroup?: string; items?: unknown[] }>(body: T): T {
  if ((body.failureGroup === undefined) === (body.items === undefined)) {
    throw new ConsoleError(
      'INVALID_FILTER',
      'name either a failureGroup or items (positions of dead letters), not both',
    );
  }
  return body;
}

function describeSelection(body: { failureGroup?: string; items?: unknown[] }): string {
  return body.failureGroup !== undefined
    ? `failure group ${body.failureGroup}`
    : `${body.items?.length} dead letter(s)`;
}

export function registerDeadLetterRoutes(app: App, ctx: ConsoleContext): void {
  async function audited<T>(
    request: FastifyRequest,
    action: string,
    target: string,
    run: () => Promise<T>,
    detail: (result: T) => string,
  ): Promise<T> {
    try {
      const result = await kafkaCall(run);
      await ctx.audit.record({
        who: requestUser(request),
        action,
        target,
        outcome: 'ok',
        detail: detail(result),
      });
      return result;
    } catch (err) {
      await ctx.audit.record({
        who: requestUser(request),
        action,
        target,
        outcome: 'failed',
        detail: (err as Error).message,
      });
      throw err;
    }
  }

  app.get(
    '/api/dead-letters',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Failure groups and dead letters',
        description:
          'Dead letters not yet redriven or discarded, grouped by error code, event type and origin.',
        querystring: ListQuery,
      },
    },
    async (request) =>
      kafkaCall(async () => {
        const { deadLetters, truncated } = await ctx.deadLetters.list();
        const shown = request.query.failureGroup
          ? deadLetters.filter((d) => d.failureGroup === request.query.failureGroup)
          : deadLetters;
        return { groups: DeadLetterStore.groups(deadLetters), deadLetters: shown, truncated };
      }),
  );

  app.post(
    '/api/dead-letters/redrive',
    {
      schema: {
        tags: ['dead letters'],
        summary:
          'Redrive a selection or a failure group (dry run unless dryRun is false and confirm is true)',
        description:
          'Up to REDRIVE_JOB_THRESHOLD dead letters are redriven within the request (200). More run as a background job: 202 with `job` and `Location: /api/redrive-jobs/{id}`.',
        body: RedriveBody,
      },
    },
    async (request, reply) => {
      const body = selectionOf(request.body);
      if (body.dryRun) {
        return kafkaCall(async () => ctx.actions.redrive(await ctx.deadLetters.select(body), true));
      }
      if (!body.confirm) {
        throw new ConsoleError(
          'CONFIRMATION_REQUIRED',
          'redrive needs "confirm": true (run it with dryRun first)',
        );
      }
      const chosen = await kafkaCall(() => ctx.deadLetters.select(body));
      if (chosen.length > ctx.redriveJobThreshold) {
        const job = await ctx.redriveJobs.start(chosen, requestUser(request), describeSelection(body));
        reply.code(202).header('location', `/api/redrive-jobs/${job.id}`);
        return { job };
      }
      return audited(
        request,
        'redrive',
        describeSelection(body),
        async () => ctx.actions.redrive(chosen, false),
        (r) => `${r.items.length} redriven, ${r.skipped.length} held back by the loop guard`,
      );
    },
  );

  app.post(
    '/api/dead-letters/edit',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Edit and redrive one dead letter as a copy with a new event id',
        description:
          'The body is validated against the contract of the event type first; nothing is sent when it does not match.',
        body: EditBody,
      },
    },
    async (request) => {
      const body = request.body;
      if (!body.confirm)
        throw new ConsoleError('CONFIRMATION_REQUIRED', 'edit and redrive needs "confirm": true');
      const target = `${body.item.dlq}/${body.item.partition}@${body.item.offset}`;
      return audited(
        request,
        'edit-redrive',
        target,
        async () => {
          const [deadLetter] = await ctx.deadLetters.select({ items: [body.item] });
          return ctx.actions.editAndRedrive(deadLetter, body.value);
        },
        (r) => `sent to ${r.toTopic} as event ${r.newEventId} (was ${r.eventId ?? 'no id'})`,
      );
    },
  );

  app.post(
    '/api/dead-letters/discard',
    {
      schema: {
        tags: ['dead letters'],
        summary: 'Discard a selection or a failure group (marked, never redriven)',
        body: DiscardBody,
      },
    },
    async (request) => {
      const body = selectionOf(request.body);
      if (!body.confirm) throw new ConsoleError('CONFIRMATION_REQUIRED', 'discard needs "confirm": true');
      return audited(
        request,
        'discard',
        describeSelection(body),
        async () => ({ items: await ctx.actions.discard(await ctx.deadLetters.select(body)) }),
        (r) => `${r.items.length} discarded`,
      );
    },
  );

  app.get(
    '/api/audit',
    { schema: { tags: ['audit'], summary: 'Recent audited actions, newest first' } },
    async () => ({
      entries: ctx.audit.recent(),
    }),
  );
}
