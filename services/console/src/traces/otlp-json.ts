// Reads an OTLP/HTTP JSON ExportTraceServiceRequest (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
// into flat spans. Ids are hex strings in the JSON encoding; times are nanoseconds as strings or numbers.
import { ConsoleError } from '../errors/console-error.ts';

export type AttributeValue = string | number | boolean | null | AttributeValue[];

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  service: string;
  /** Milliseconds since the epoch, fractional. */
  startMs: number;
  endMs: number;
  status: { code: number; message: string };
  attributes: Record<string, AttributeValue>;
}

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function attributeValue(v: unknown): AttributeValue {
  if (!isObject(v)) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (typeof v.doubleValue === 'number') return v.doubleValue;
  if (isObject(v.arrayValue) && Array.isArray(v.arrayValue.values))
    return v.arrayValue.values.map(attributeValue);
  return null;
}

function attributesOf(list: unknown): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return result;
  for (const a of list) if (isObject(a) && typeof a.key === 'string') result[a.key] = attributeValue(a.value);
  return result;
}

function nanosToMs(value: unknown, where: string): number {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ConsoleError('INVALID_OTLP', `${where} must be nanoseconds since the epoch`);
  }
  try {
    return Number(BigInt(value) / 1000n) / 1000;
  } catch {
    throw new ConsoleError(
      'INVALID_OTLP',
      `${where} must be nanoseconds since the epoch, got ${JSON.stringify(value)}`,
    );
  }
}

/** Ids may come as lower-case hex (the OTLP JSON encoding) or, from some exporters, base64. */
function idOf(value: unknown, pattern: RegExp, where: string): string {
  if (typeof value !== 'string') throw new ConsoleError('INVALID_OTLP', `${where} is missing`);
  const hex = value.toLowerCase();
  if (pattern.test(hex)) return hex;
  const decoded = Buffer.from(value, 'base64').toString('hex');
  if (pattern.test(decoded)) return decoded;
  throw new ConsoleError('INVALID_OTLP', `${where} ${JSON.stringify(value)} is not a hex id`);
}

export function parseOtlpTraces(body: unknown): SpanRecord[] {
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) {
    throw new ConsoleError('INVALID_OTLP', 'the body must be an object with a resourceSpans array');
  }
  const spans: SpanRecord[] = [];
  body.resourceSpans.forEach((rs, i) => {
    if (!isObject(rs)) throw new ConsoleError('INVALID_OTLP', `resourceSpans[${i}] must be an object`);
    const resource = attributesOf(isObject(rs.resource) ? rs.resource.attributes : undefined);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown';
    const scopes = Array.isArray(rs.scopeSpans) ? rs.scopeSpans : [];
    scopes.forEach((ss, j) => {
      const list = isObject(ss) && Array.isArray(ss.spans) ? ss.spans : [];
      list.forEach((s, k) => {
        const where = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
        if (!isObject(s)) throw new ConsoleError('INVALID_OTLP', `${where} must be an object`);
        const parent = typeof s.parentSpanId === 'string' && s.parentSpanId !== '' ? s.parentSpanId : null;
        const status = isObject(s.status) ? s.status : {};
        spans.push({
          traceId: idOf(s.traceId, HEX_TRACE, `${where}.traceId`),
          spanId: idOf(s.spanId, HEX_SPAN, `${where}.spanId`),
          parentSpanId: parent === null ? null : idOf(parent, HEX_SPAN, `${where}.parentSpanId`),
          name: typeof s.name === 'string' ? s.name : '(unnamed)',
          kind: typeof s.kind === 'number' ? s.kind : 0,
          service,
          startMs: nanosToMs(s.startTimeUnixNano, `${where}.startTimeUnixNano`),
          endMs: nanosToMs(s.endTimeUnixNano, `${where}.endTimeUnixNano`),
          status: {
            code: typeof status.code === 'number' ? status.code : 0,
            message: typeof status.message === 'string' ? status.message : '',
          },
          attributes: attributesOf(s.attributes),
        });
      });
    });
  });
  return spans;
}
