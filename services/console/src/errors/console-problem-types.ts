// Every error code the console answers with, beyond the platform's, with its one status and title.
import type { ProblemTypeTable } from '@tributary/service-kit';

export const CONSOLE_PROBLEM_TYPES = {
  UNAUTHORIZED: {
    status: 401,
    title: 'Token required',
    description:
      'The console is bound to a non-loopback address: send `Authorization: Bearer <CONSOLE_TOKEN>`.',
  },
  TOPIC_NOT_FOUND: { status: 404, title: 'Topic not found', description: 'The cluster has no such topic.' },
  PARTITION_NOT_FOUND: {
    status: 404,
    title: 'Partition not found',
    description: 'The topic has fewer partitions than the one asked for.',
  },
  OFFSET_OUT_OF_RANGE: {
    status: 400,
    title: 'Offset out of range',
    description: 'The offset is before the first or after the last offset of the partition.',
  },
  INVALID_FILTER: {
    status: 400,
    title: 'Invalid filter',
    description: 'A message filter or position cannot be used (e.g. a header filter without a name).',
  },
  GROUP_NOT_FOUND: { status: 404, title: 'Consumer group not found' },
  GROUP_NOT_EMPTY: {
    status: 409,
    title: 'Consumer group has members',
    description: 'Offsets can be reset only while no consumer of the group runs.',
  },
  CONFIRMATION_REQUIRED: {
    status: 428,
    title: 'Confirmation required',
    description: 'A destructive action runs only with `"confirm": true` (after a dry run).',
  },
  DEAD_LETTER_NOT_FOUND: {
    status: 404,
    title: 'Dead letter not found',
    description: 'No dead letter (not yet redriven or discarded) is at that position.',
  },
  FAILURE_GROUP_NOT_FOUND: { status: 404, title: 'Failure group not found' },
  CONTRACT_VIOLATION: {
    status: 422,
    title: 'Event breaks its contract',
    description: 'The edited body does not match the contract of the event type; nothing was sent.',
  },
  UNKNOWN_EVENT_TYPE: {
    status: 422,
    title: 'Unknown event type',
    description: 'The dead letter has no `ce_type` of a known contract, so an edit cannot be validated.',
  },
  REDRIVE_JOB_NOT_FOUND: {
    status: 404,
    title: 'Redrive job not found',
    description: 'No redrive job of this console (the last 100 are kept) has this id.',
  },
  TRACE_NOT_FOUND: { status: 404, title: 'Trace not found', description: 'No recent trace has this id.' },
  INVALID_OTLP: {
    status: 400,
    title: 'Invalid OTLP payload',
    description: 'The body is not an OTLP/HTTP JSON ExportTraceServiceRequest.',
  },
  KAFKA_UNAVAILABLE: {
    status: 503,
    title: 'Kafka unavailable',
    description: 'The cluster did not answer; retry after `Retry-After`.',
  },
} as const satisfies ProblemTypeTable;

export type ConsoleErrorCode = keyof typeof CONSOLE_PROBLEM_TYPES;
