// Spans of the database port (OpenTelemetry API; a process that registers an SDK records them): one per
// transaction on both backends, and one per statement on PGlite (on PostgreSQL the `pg` instrumentation
// makes those). Only inside a traced operation: the relay's polling and other background statements start
// no traces of their own. Attributes follow the database semantic conventions.
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@tributary/database');

function hasParent(): boolean {
  const parent = trace.getSpanContext(context.active());
  return parent !== undefined && trace.isSpanContextValid(parent);
}

function fail(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : 'DB_ERROR');
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

async function inSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` (a whole transaction) in a span, when there is a trace to add it to. */
export function tracedTransaction<T>(namespace: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!hasParent()) return fn();
  const attributes: Record<string, string> = {
    'db.system.name': 'postgresql',
    'db.operation.name': 'TRANSACTION',
  };
  if (namespace !== undefined) attributes['db.namespace'] = namespace;
  return inSpan('TRANSACTION', attributes, fn);
}

const MAX_QUERY_TEXT = 2_000;

/**
 * The statement's first keyword (SELECT, INSERT...), the span name the conventions ask for; after a WITH
 * list, the keyword of the statement that follows it.
 */
function operationOf(sql: string): string {
  const first = /^\s*([A-Za-z]+)/.exec(sql);
  if (first === null) return 'QUERY';
  const keyword = first[1]!.toUpperCase();
  if (keyword !== 'WITH') return keyword;
  let depth = 0;
  let quoted = false;
  for (let i = first[0].length; i < sql.length; i++) {
    const c = sql[i];
    if (quoted) {
      if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      const next = /^\s*([A-Za-z,]+)/.exec(sql.slice(i + 1));
      if (next !== null && !next[1]!.startsWith(',')) return next[1]!.toUpperCase();
    }
  }
  return 'QUERY';
}

/**
 * Operations of the statements seen so far: statements are the same few texts over and over, and finding
 * the keyword after a WITH list walks the whole text. Bounded, in case some caller builds texts on the fly.
 */
const operations = new Map<string, string>();
const MAX_OPERATIONS = 1_000;

function cachedOperationOf(sql: string): string {
  let operation = operations.get(sql);
  if (operation === undefined) {
    operation = operationOf(sql);
    if (operations.size >= MAX_OPERATIONS) operations.clear();
    operations.set(sql, operation);
  }
  return operation;
}

/** Runs one PGlite statement in a span, when there is a trace to add it to. */
export function tracedQuery<T>(sql: string, fn: () => Promise<T>): Promise<T> {
  if (!hasParent()) return fn();
  const operation = cachedOperationOf(sql);
  return inSpan(
    operation,
    {
      'db.system.name': 'postgresql',
      'db.operation.name': operation,
      // Statements are parameterized: the text holds no values.
      'db.query.text': sql.length > MAX_QUERY_TEXT ? `${sql.slice(0, MAX_QUERY_TEXT)}…` : sql,
    },
    fn,
  );
}
