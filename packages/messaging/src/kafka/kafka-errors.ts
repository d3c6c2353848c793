// Reading @platformatic/kafka errors, which nest protocol errors inside MultipleErrors.

interface ErrorLike {
  apiId?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

function* walk(error: unknown, depth = 0): Generator<ErrorLike> {
  if (!error || typeof error !== 'object' || depth > 8) return;
  const e = error as ErrorLike;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* walk(inner, depth + 1);
  if (e.cause) yield* walk(e.cause, depth + 1);
}

/** True when the error (or one nested in it) is the Kafka protocol error `apiId`. */
export function hasKafkaError(error: unknown, apiId: string): boolean {
  for (const e of walk(error)) if (e.apiId === apiId) return true;
  return false;
}

/** The client reports a missing topic as a plain error naming it. */
export function isUnknownTopic(error: unknown): boolean {
  if (hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return true;
  for (const e of walk(error))
    if (typeof e.message === 'string' && e.message.startsWith('Unknown topic ')) return true;
  return false;
}
