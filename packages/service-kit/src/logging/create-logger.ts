// The process logger: JSON lines by default (what log shippers want), pino-pretty when asked for humans.
import { context, trace } from '@opentelemetry/api';
import { type DestinationStream, type Level, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Service or process name, present on every line as `name`. */
  name: string;
  level?: Level | 'silent';
  /** Human-readable colored output through pino-pretty (a dev dependency: never enable it in production). */
  pretty?: boolean;
  /** Where JSON lines go, default stdout (ignored when `pretty`). */
  destination?: DestinationStream;
}

/**
 * `trace_id` and `span_id` of the active span on every line written inside one (OpenTelemetry log model).
 * Always a new object: pino merges each line's fields into what the mixin returns, so a shared one would
 * carry every line's fields on to all later lines.
 */
function traceFields(): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  return span !== undefined && trace.isSpanContextValid(span)
    ? { trace_id: span.traceId, span_id: span.spanId }
    : {};
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    name: options.name,
    level: options.level ?? 'info',
    mixin: traceFields,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    ...(options.pretty === true
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
  return options.pretty !== true && options.destination !== undefined
    ? pino(settings, options.destination)
    : pino(settings);
}
