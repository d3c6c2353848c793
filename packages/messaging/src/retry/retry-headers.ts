// Headers a record carries through the retry and dead-letter topics: where it came from, how often it
// failed, when it may run again and why it failed. The original CloudEvents headers travel unchanged.
import type { TransportRecord } from '../ports/transport.ts';

export const RetryHeaders = {
  /** Rounds that failed so far (a round = the in-place attempts of one delivery). */
  attempt: 'tributary-attempt',
  /** Epoch milliseconds before which the record must not be handled again. */
  dueAt: 'tributary-due-at',
  /** 'true' when the record did not fail itself but waits behind an earlier failure of its key. */
  parked: 'tributary-parked',
  originalTopic: 'tributary-original-topic',
  originalPartition: 'tributary-original-partition',
  originalOffset: 'tributary-original-offset',
  firstFailureAt: 'tributary-first-failure-at',
  lastFailureAt: 'tributary-last-failure-at',
  errorCode: 'tributary-error-code',
  errorMessage: 'tributary-error-message',
  /** On dead letters: how many rounds were made. */
  attempts: 'tributary-attempts',
  group: 'tributary-consumer-group',
} as const;

const MAX_ERROR_MESSAGE = 1_000;

export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface RetryMetadata {
  attempt: number;
  dueAt: number;
  parked: boolean;
  origin: RecordOrigin;
  firstFailureAt: string | undefined;
  lastFailureAt: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
}

function intHeader(value: string | undefined, fallback: number): number {
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/** Retry metadata of a record that went through a retry topic; undefined for a record seen first time. */
export function readRetryMetadata(record: TransportRecord): RetryMetadata | undefined {
  const h = record.headers;
  const topic = h[RetryHeaders.originalTopic];
  if (!topic) return undefined;
  let offset = record.offset;
  try {
    offset = BigInt(h[RetryHeaders.originalOffset] ?? record.offset);
  } catch {
    // A damaged header keeps the copy's own offset: the record is still handled, only reported oddly.
  }
  return {
    attempt: intHeader(h[RetryHeaders.attempt], 0),
    dueAt: intHeader(h[RetryHeaders.dueAt], 0),
    parked: h[RetryHeaders.parked] === 'true',
    origin: { topic, partition: intHeader(h[RetryHeaders.originalPartition], record.partition), offset },
    firstFailureAt: h[RetryHeaders.firstFailureAt],
    lastFailureAt: h[RetryHeaders.lastFailureAt],
    errorCode: h[RetryHeaders.errorCode],
    errorMessage: h[RetryHeaders.errorMessage],
  };
}

/** The record's headers without any retry/dead-letter header (what the original producer sent). */
export function originalHeaders(headers: Record<string, string>): Record<string, string> {
  const ours = new Set<string>(Object.values(RetryHeaders));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !ours.has(name)));
}

export interface FailureDescription {
  origin: RecordOrigin;
  group: string;
  errorCode: string;
  errorMessage: string;
  firstFailureAt: string;
  lastFailureAt: string;
}

export function failureHeaders(failure: FailureDescription): Record<string, string> {
  return {
    [RetryHeaders.originalTopic]: failure.origin.topic,
    [RetryHeaders.originalPartition]: String(failure.origin.partition),
    [RetryHeaders.originalOffset]: String(failure.origin.offset),
    [RetryHeaders.group]: failure.group,
    [RetryHeaders.errorCode]: failure.errorCode,
    [RetryHeaders.errorMessage]: failure.errorMessage.slice(0, MAX_ERROR_MESSAGE),
    [RetryHeaders.firstFailureAt]: failure.firstFailureAt,
    [RetryHeaders.lastFailureAt]: failure.lastFailureAt,
  };
}

export function originHeaders(origin: RecordOrigin, group: string): Record<string, string> {
  return {
    [RetryHeaders.originalTopic]: origin.topic,
    [RetryHeaders.originalPartition]: String(origin.partition),
    [RetryHeaders.originalOffset]: String(origin.offset),
    [RetryHeaders.group]: group,
  };
}
