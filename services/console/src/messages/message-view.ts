// How the console shows one Kafka record: text key and headers, JSON value parsed (pretty printed by the
// UI), CloudEvents headers as fields, the contract and version the event matches, its trace and correlation.
import type { EventRegistry } from '@tributary/messaging';
import { parseTraceparent } from '@tributary/messaging';
import type { FetchedRecord } from '../kafka/kafka-cluster.ts';

export interface ContractMatch {
  ceType: string;
  version: number | null;
  /** true when the body matches the contract; false with issues when not; null when no contract is known. */
  valid: boolean | null;
  issues: string[];
}

export interface MessageView {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** The value parsed as JSON, or null when it is not JSON (see `text`). */
  json: unknown;
  text: string | null;
  size: number;
  cloudEvent: { id?: string; type?: string; source?: string; time?: string; specversion?: string } | null;
  contract: ContractMatch | null;
  traceId: string | null;
  correlationId: string | null;
}

const CE_FIELDS = ['id', 'type', 'source', 'time', 'specversion'] as const;

function issuesOf(err: unknown): string[] {
  const issues = (err as { issues?: { path?: string; message?: string }[] }).issues;
  if (Array.isArray(issues)) return issues.map((i) => `${i.path || '/'} ${i.message ?? ''}`.trim());
  return [(err as Error).message];
}

export function contractMatch(contracts: EventRegistry, ceType: string, body: unknown): ContractMatch {
  const definition = contracts.get(ceType);
  if (!definition) return { ceType, version: null, valid: null, issues: [] };
  try {
    definition.validate(body);
    return { ceType, version: definition.version, valid: true, issues: [] };
  } catch (err) {
    return { ceType, version: definition.version, valid: false, issues: issuesOf(err) };
  }
}

export function headerText(headers: FetchedRecord['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) result[name] = value?.toString('utf8') ?? '';
  return result;
}

export function viewOf(topic: string, record: FetchedRecord, contracts: EventRegistry): MessageView {
  const headers = headerText(record.headers);
  const text = record.value?.toString('utf8') ?? null;
  let json: unknown = null;
  if (text !== null) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  const cloudEvent: NonNullable<MessageView['cloudEvent']> = {};
  for (const field of CE_FIELDS) {
    const value = headers[`ce_${field}`];
    if (value !== undefined) cloudEvent[field] = value;
  }
  const ceType = headers.ce_type;
  const traceparent = headers.traceparent ? parseTraceparent(headers.traceparent) : undefined;
  return {
    topic,
    partition: record.partition,
    offset: String(record.offset),
    timestamp: new Date(Number(record.timestamp)).toISOString(),
    key: record.key?.toString('utf8') ?? null,
    headers,
    json,
    text,
    size: record.value?.length ?? 0,
    cloudEvent: Object.keys(cloudEvent).length > 0 ? cloudEvent : null,
    contract: ceType && json !== null ? contractMatch(contracts, ceType, json) : null,
    traceId: traceparent?.traceId ?? null,
    correlationId: headers['correlation-id'] ?? null,
  };
}
