// Base class for the errors of a service's application layer: a stable code and a detail, no HTTP status.
// The HTTP edge looks the code up in the problem type registry (one code, one status and title) and
// answers with RFC 9457 problem+json (https://www.rfc-editor.org/rfc/rfc9457).

export interface CodedErrorOptions {
  /** Extension members of the problem document (e.g. `{ email }`); safe to show to the client. */
  extra?: Record<string, unknown>;
  /** When the same request may succeed later, after about this many seconds (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class CodedError extends Error {
  /** Stable machine-readable code, e.g. `USER_EMAIL_TAKEN`. */
  readonly code: string;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds: number | undefined;

  /** `detail` explains this occurrence and is shown to the client. */
  constructor(code: string, detail: string, options: CodedErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.extra = options.extra ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retriable(): boolean {
    return this.retryAfterSeconds !== undefined;
  }
}
