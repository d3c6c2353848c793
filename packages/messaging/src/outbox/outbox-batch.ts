// Publishing one claimed batch: each aggregate's rows one after the other, aggregates side by side.
import { context } from '@opentelemetry/api';
import { contextOfHeaders } from '../telemetry/tracing.ts';
import { OutboxError } from './outbox-error.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';
import { aggregateOf, type OutboxRow } from './outbox-store.ts';

const maxErrorLength = 2_000;

export interface BatchOutcome {
  published: string[];
  failed: Array<{ row: OutboxRow; error: string }>;
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxErrorLength ? `${text.slice(0, maxErrorLength)}…` : text;
}

async function publishOne(publisher: OutboxPublisher, row: OutboxRow, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OutboxError('OUTBOX_PUBLISH_TIMEOUT', `publish took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    // The send continues the trace of the transaction that enqueued the row (its creation context), never
    // whatever context the relay's round happens to run in.
    const sent = context.with(contextOfHeaders(row.headers), () =>
      publisher.publishRaw({
        topic: row.topic,
        key: row.key,
        value: Buffer.from(row.payload, 'utf8'),
        headers: row.headers,
      }),
    );
    await Promise.race([sent, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Publishes `rows` (in id order). An aggregate's rows wait for one another, so the broker gets them in
 * commit order, and the aggregate stops at its first failure; other aggregates go on. All publishes start
 * together, so a publisher that batches (the Kafka one does) sends the whole batch in one request.
 */
export async function publishBatch(
  publisher: OutboxPublisher,
  rows: readonly OutboxRow[],
  timeoutMs: number,
): Promise<BatchOutcome> {
  const chains = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    const aggregate = aggregateOf(row);
    const chain = chains.get(aggregate);
    if (chain === undefined) chains.set(aggregate, [row]);
    else chain.push(row);
  }
  const outcome: BatchOutcome = { published: [], failed: [] };
  await Promise.all(
    [...chains.values()].map(async (chain) => {
      for (const row of chain) {
        try {
          await publishOne(publisher, row, timeoutMs);
          outcome.published.push(row.id);
        } catch (error) {
          outcome.failed.push({ row, error: describeError(error) });
          return;
        }
      }
    }),
  );
  return outcome;
}
