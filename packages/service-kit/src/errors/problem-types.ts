// The registry of problem types: each error code has exactly one HTTP status and title, whichever service
// or layer raises it. Services add their codes to the platform's; defining a code twice differently fails
// when the app is built, not when a client first meets the inconsistency.

export interface ProblemType {
  status: number;
  /** Short summary, the same for every occurrence of the code. */
  title: string;
  /** When the code can occur; goes into the OpenAPI document. */
  description?: string;
}

export type ProblemTypeTable = Readonly<Record<string, ProblemType>>;

/** Codes the platform itself answers with (service-kit's app, its validation and its health routes). */
export const PLATFORM_PROBLEM_TYPES = {
  VALIDATION_FAILED: {
    status: 400,
    title: 'Validation failed',
    description: 'A part of the request does not match its schema; `errors` points at each offending value.',
  },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON', description: 'The body is not valid JSON.' },
  JSON_TOO_DEEP: {
    status: 400,
    title: 'JSON nested too deeply',
    description: 'The body nests arrays and objects deeper than any request of this API needs.',
  },
  INVALID_CURSOR: {
    status: 400,
    title: 'Invalid cursor',
    description: 'The `cursor` is not one this API issued.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Not Found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout' },
  INTERNAL: { status: 500, title: 'Internal Server Error' },
  SHUTTING_DOWN: {
    status: 503,
    title: 'Service shutting down',
    description: 'The instance is stopping; retry against another one after `Retry-After`.',
  },
  NOT_READY: { status: 503, title: 'Service not ready' },
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    description:
      'The database cannot be reached, or is out of disk space, memory or connections, right now; retry after `Retry-After`.',
  },
} as const satisfies ProblemTypeTable;

export class ProblemTypeConflictError extends Error {
  readonly code = 'PROBLEM_TYPE_CONFLICT';
  constructor(code: string, first: ProblemType, second: ProblemType) {
    super(
      `error code ${code} is defined twice: ${first.status} "${first.title}" and ${second.status} "${second.title}"`,
    );
    this.name = 'ProblemTypeConflictError';
  }
}

export class ProblemTypeRegistry {
  readonly #types = new Map<string, ProblemType>();

  /** Merges the tables; throws ProblemTypeConflictError when a code gets two statuses or titles. */
  constructor(...tables: readonly ProblemTypeTable[]) {
    for (const table of tables) {
      for (const [code, type] of Object.entries(table)) {
        if (!Number.isInteger(type.status) || type.status < 400 || type.status > 599)
          throw new RangeError(`error code ${code}: status must be 400-599, got ${type.status}`);
        const known = this.#types.get(code);
        if (known !== undefined && (known.status !== type.status || known.title !== type.title))
          throw new ProblemTypeConflictError(code, known, type);
        if (known === undefined || (type.description !== undefined && known.description === undefined))
          this.#types.set(code, type);
      }
    }
  }

  get(code: string): ProblemType | undefined {
    return this.#types.get(code);
  }

  /** The registered type of `code`; throws for an unregistered code (a typo in a route's documentation). */
  require(code: string): ProblemType {
    const type = this.#types.get(code);
    if (type === undefined) throw new RangeError(`error code ${code} is not registered`);
    return type;
  }

  codes(): string[] {
    return [...this.#types.keys()];
  }
}
