// The console's errors: a code from CONSOLE_PROBLEM_TYPES gives the status and title.
import { AppError } from '@tributary/service-kit';
import { CONSOLE_PROBLEM_TYPES, type ConsoleErrorCode } from './console-problem-types.ts';

export class ConsoleError extends AppError {
  constructor(code: ConsoleErrorCode, detail: string, extra?: Record<string, unknown>, cause?: unknown) {
    const type = CONSOLE_PROBLEM_TYPES[code];
    super({
      code,
      status: type.status,
      title: type.title,
      detail,
      extra,
      cause,
      retriable: code === 'KAFKA_UNAVAILABLE',
    });
  }
}
