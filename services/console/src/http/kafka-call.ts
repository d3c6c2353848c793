// Runs a call to the cluster; a failure that is not one of the console's own errors becomes
// KAFKA_UNAVAILABLE (503) naming its root cause, instead of a 500 with a client's error object.
import { AppError } from '@tributary/service-kit';
import { ConsoleError } from '../errors/console-error.ts';
import { rootCause } from '../kafka/kafka-cluster.ts';

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
