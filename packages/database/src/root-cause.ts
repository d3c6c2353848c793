// The first words of a failure's log line: the innermost cause, in the form an operator searches for
// (`ECONNREFUSED 127.0.0.1:5432`), rather than the wrapper a library put around it.

interface ErrorFields {
  message?: unknown;
  code?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The deepest `cause` (or first entry of an AggregateError) of `error`. */
export function innermostCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    if (typeof current !== 'object' || current === null) return current;
    const fields = current as ErrorFields;
    if (fields.cause !== undefined && fields.cause !== null) {
      current = fields.cause;
      continue;
    }
    if (Array.isArray(fields.errors) && fields.errors.length > 0) {
      current = fields.errors[0];
      continue;
    }
    return current;
  }
  return current;
}

/** `ECONNREFUSED 127.0.0.1:9092` for a socket error, otherwise the innermost message. */
export function rootCauseOf(error: unknown): string {
  const root = innermostCause(error);
  if (typeof root !== 'object' || root === null) return String(root);
  const fields = root as ErrorFields;
  const message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : undefined;
  if (typeof fields.code === 'string' && /^E[A-Z_]+$/.test(fields.code)) {
    if (typeof fields.address === 'string') {
      const port = typeof fields.port === 'number' ? `:${fields.port}` : '';
      return `${fields.code} ${fields.address}${port}`;
    }
    if (message !== undefined && !message.includes(fields.code)) return `${fields.code} ${message}`;
  }
  return message ?? String(root);
}

/**
 * What a log line may carry of an error: name, message, code and the cause chain's messages. Never the
 * error object itself, since drivers hang their clients on it (`pg` attaches the client, whose fields include
 * the backend's cancel key).
 */
export function errorSummary(error: unknown): { type: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as ErrorFields).code;
  const messages: string[] = [error.message];
  let cause = (error as ErrorFields).cause;
  for (let depth = 0; depth < 5 && cause instanceof Error; depth++) {
    if (!messages.includes(cause.message)) messages.push(cause.message);
    cause = (cause as ErrorFields).cause;
  }
  return {
    type: error.name,
    message: messages.join(': '),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
