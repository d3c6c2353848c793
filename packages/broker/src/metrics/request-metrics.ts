// Request metrics: requests by API and version, errors by API and Kafka error code, latency, bytes in and
// out. The hot path only adds to numbers kept per API (no allocation, no label hashing); the counters read
// them when Prometheus scrapes. The latency histogram is observed per request (one label set per API).
import { Counter, Histogram, type Registry } from 'prom-client';
import { ErrorCode } from '../error-codes.ts';
import type { RequestObserver } from '../server/dispatcher.ts';
import { errorCodesOf } from './response-errors.ts';

export interface ServedApi {
  apiKey: number;
  name: string;
  maxVersion: number;
}

/** Label of a request whose API key the broker does not serve (any int16 a client sends: one label). */
const UNKNOWN_API = 'unknown';

// Up to tens of seconds: a Fetch long-polls for its maxWaitMs, a JoinGroup waits for the rebalance.
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

interface ApiSlot {
  readonly labels: { api: string };
  /** Requests answered, by version. */
  readonly requests: number[];
  requestBytes: number;
  responseBytes: number;
  /** Requests answered with (or refused for) an error, by error name. */
  readonly errors: Map<string, number>;
}

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

function errorName(code: number): string {
  return ERROR_NAMES.get(code) ?? `ERROR_${code}`;
}

export function createRequestMetrics(registry: Registry, apis: readonly ServedApi[]): RequestObserver {
  const slots: ApiSlot[] = [];
  const slotOf = (name: string, versions: number): ApiSlot => ({
    labels: { api: name },
    requests: new Array<number>(versions).fill(0),
    requestBytes: 0,
    responseBytes: 0,
    errors: new Map(),
  });
  for (const api of apis) slots[api.apiKey] = slotOf(api.name, api.maxVersion + 1);
  const unknown = slotOf(UNKNOWN_API, 0);
  const served = () => [...slots.filter((s) => s !== undefined), unknown];

  new Counter({
    name: 'tributary_broker_requests_total',
    help: 'Requests answered, by API and version',
    labelNames: ['api', 'version'],
    registers: [registry],
    collect() {
      this.reset();
      for (const slot of served())
        for (let v = 0; v < slot.requests.length; v++)
          if (slot.requests[v] > 0) this.inc({ api: slot.labels.api, version: String(v) }, slot.requests[v]);
    },
  });
  new Counter({
    name: 'tributary_broker_request_errors_total',
    help:
      'Requests answered with a Kafka error code (each distinct code of a response counts once) or refused by ' +
      'closing the connection, by API and error',
    labelNames: ['api', 'error'],
    registers: [registry],
    collect() {
      this.reset();
      for (const slot of served())
        for (const [error, count] of slot.errors) this.inc({ api: slot.labels.api, error }, count);
    },
  });
  const bytes = (name: string, help: string, read: (slot: ApiSlot) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const slot of served()) if (read(slot) > 0) this.inc(slot.labels, read(slot));
      },
    });
  bytes('tributary_broker_request_bytes_total', 'Bytes of requests received, by API', (s) => s.requestBytes);
  bytes('tributary_broker_response_bytes_total', 'Bytes of responses sent, by API', (s) => s.responseBytes);
  const duration = new Histogram({
    name: 'tributary_broker_request_duration_seconds',
    help: 'Time from a request being taken up to its response being ready (a Fetch includes its wait), by API',
    labelNames: ['api'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });

  const countError = (slot: ApiSlot, name: string) => slot.errors.set(name, (slot.errors.get(name) ?? 0) + 1);
  return {
    answered(apiKey, version, seconds, requestBytes, responseBytes, body) {
      const slot = slots[apiKey] ?? unknown;
      if (version < slot.requests.length) slot.requests[version]++;
      slot.requestBytes += requestBytes;
      slot.responseBytes += responseBytes;
      duration.observe(slot.labels, seconds);
      const codes = errorCodesOf(body);
      for (let i = 0; i < codes.length; i++) countError(slot, errorName(codes[i]));
    },
    refused(apiKey, code) {
      countError(slots[apiKey] ?? unknown, code);
    },
  };
}
