// Base class for the errors a service's domain or application layer throws; the HTTP edge turns them into
// RFC 9457 problem+json (https://www.rfc-editor.org/rfc/rfc9457).

export interface AppErrorOptions {
  /** Stable machine-readable code, e.g. `USER_EMAIL_TAKEN`. */
  code: string;
  /** HTTP status the error maps to (400-599). */
  status: number;
  /** Short, human-readable summary of the problem type; the same for every occurrence of `code`. */
  title: string;
  /** Explanation specific to this occurrence; safe to show to the client. */
  detail?: string;
  /** Extension members added to the problem document (e.g. `{ email }`). */
  extra?: Record<string, unknown>;
  /** True when retrying the same request later may succeed. */
  retriable?: boolean;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly retriable: boolean;

  constructor(options: AppErrorOptions) {
    super(
      options.detail ?? options.title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    if (!Number.isInteger(options.status) || options.status < 400 || options.status > 599) {
      throw new RangeError(`AppError status must be an HTTP error status (400-599), got ${options.status}`);
    }
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.title = options.title;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
    this.retriable = options.retriable ?? false;
  }
}
