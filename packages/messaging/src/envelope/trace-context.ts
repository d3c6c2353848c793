// W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/#traceparent-header).
import { randomBytes } from 'node:crypto';

export interface TraceParent {
  traceId: string;
  /** The span the next hop is a child of. */
  parentId: string;
  flags: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  // Values as written by this library match as they are; others are normalized first.
  const match = TRACEPARENT.exec(value) ?? TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN) return undefined;
  return { traceId: match[1], parentId: match[2], flags: match[3] };
}

export function formatTraceparent(trace: TraceParent): string {
  return `00-${trace.traceId}-${trace.parentId}-${trace.flags}`;
}

// Ids are cut from a pool of random bytes: one call into the random source per few hundred spans.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      pool = randomBytes(POOL_BYTES);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A traceparent for a new span: child of `parent` when given, else the root of a new (sampled) trace. */
export function childTraceparent(parent?: string): string {
  const parsed = parseTraceparent(parent);
  return formatTraceparent({
    traceId: parsed?.traceId ?? randomHex(16),
    parentId: randomHex(8),
    flags: parsed?.flags ?? '01',
  });
}

/** The trace id of a traceparent made by `childTraceparent` (well-formed by construction). */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
