// An OTLP/HTTP JSON export of one trace across two services, as the services' exporters send it.

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

/** Three spans: the User Service's request and publish, the Order Service's processing (failed). */
export function otlp(traceId: string, correlationId: string, eventId: string) {
  const t0 = Date.now();
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'user-service')] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: '1111111111111111',
                name: 'POST /users',
                kind: 2,
                startTimeUnixNano: ns(t0),
                endTimeUnixNano: ns(t0 + 20),
                attributes: [attr('correlation.id', correlationId)],
                status: {},
              },
              {
                traceId,
                spanId: '2222222222222222',
                parentSpanId: '1111111111111111',
                name: 'users publish',
                kind: 4,
                startTimeUnixNano: ns(t0 + 25),
                endTimeUnixNano: ns(t0 + 30),
                attributes: [attr('messaging.message.id', eventId), attr('correlation.id', correlationId)],
              },
            ],
          },
        ],
      },
      {
        resource: { attributes: [attr('service.name', 'order-service')] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: '3333333333333333',
                parentSpanId: '2222222222222222',
                name: 'users process',
                kind: 5,
                startTimeUnixNano: ns(t0 + 40),
                endTimeUnixNano: ns(t0 + 55),
                attributes: [attr('messaging.message.id', eventId)],
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ],
  };
}
