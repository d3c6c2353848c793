// The Kafka error codes a response body carries: at its top (`errorCode`) or per topic, partition, group
// or resource (`errorCode`, `partitionErrorCode`, `topicConfigErrorCode`). Record bytes are not looked into.

const found: number[] = [];

/**
 * The distinct non-zero error codes in a response body, in the order first met. The array is reused by
 * the next call (read it before calling again): a response walked per request allocates nothing.
 */
export function errorCodesOf(body: unknown): readonly number[] {
  found.length = 0;
  walk(body, 0);
  return found;
}

// Response schemas nest a few levels (topics, partitions, aborted transactions); deeper is never an error.
const MAX_DEPTH = 6;

function walk(node: unknown, depth: number): void {
  if (node === null || typeof node !== 'object' || depth > MAX_DEPTH || ArrayBuffer.isView(node)) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1);
    return;
  }
  const fields = node as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'number') {
      if (value !== 0 && (key === 'errorCode' || key.endsWith('ErrorCode')) && !found.includes(value))
        found.push(value);
    } else if (value !== null && typeof value === 'object') walk(value, depth + 1);
  }
}
