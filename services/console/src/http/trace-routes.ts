// Traces: the OTLP/HTTP JSON receiver the services export to, search by trace, correlation or event id,
// and one trace's spans for the waterfall.
import type { App } from '@tributary/service-kit';
import { Type } from 'typebox';
import type { ConsoleContext } from '../console-context.ts';
import { ConsoleError } from '../errors/console-error.ts';
import { parseOtlpTraces } from '../traces/otlp-json.ts';

const FindQuery = Type.Object(
  {
    traceId: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$' })),
    correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

export function registerTraceRoutes(app: App, ctx: ConsoleContext): void {
  // OTLP/HTTP sends protobuf unless told otherwise; say clearly that this receiver takes JSON.
  app.addContentTypeParser(['application/x-protobuf', 'application/protobuf'], (_request, _payload, done) => {
    done(
      new ConsoleError(
        'INVALID_OTLP',
        'this receiver takes OTLP/HTTP JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json (or use the JSON exporter)',
      ),
    );
  });

  app.post(
    '/v1/traces',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: { tags: ['traces'], summary: 'OTLP/HTTP JSON trace receiver', body: Type.Unknown() },
    },
    async (request) => {
      const spans = parseOtlpTraces(request.body);
      const { rejected } = ctx.traces.add(spans);
      return rejected > 0
        ? { partialSuccess: { rejectedSpans: rejected, errorMessage: 'trace full or span repeated' } }
        : {};
    },
  );

  app.get(
    '/api/traces',
    { schema: { tags: ['traces'], summary: 'Find recent traces', querystring: FindQuery } },
    async (request) => ({ traces: ctx.traces.find(request.query) }),
  );

  app.get(
    '/api/traces/:id',
    {
      schema: {
        tags: ['traces'],
        summary: 'One trace with its spans',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{32}$' }) }),
      },
    },
    async (request) => {
      const spans = ctx.traces.get(request.params.id);
      const summary = ctx.traces.summary(request.params.id);
      if (!spans || !summary) {
        throw new ConsoleError('TRACE_NOT_FOUND', `no recent trace has id ${request.params.id}`);
      }
      return { ...summary, spanList: spans };
    },
  );
}
