// Runs a call to the cluster; a failure that is not one of the console's own errors becomes
// KAFKA_UNAVAILABLE (503) naming its root cause, instead of a 500 with a client's error object.
import { AppError } from '@tributary/service-kit';
import { ConsoleError } from '../errors/console-error.ts';

function rootCause(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 10; depth++) {
    const errors = (current as { errors?: unknown[] })?.errors;
    const cause = (current as { cause?: unknown })?.cause;
    if (Array.isArray(errors) && errors.length > 0) current = errors[errors.length - 1];
    else if (cause !== undefined) current = cause;
    else break;
  }
  return current instanceof Error ? current.message : String(current);
}

export async function kafkaCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new ConsoleError(
      'KAFKA_UNAVAILABLE',
      `the cluster did not answer: ${rootCause(err)}`,
      undefined,
      err,
    );
  }
}
