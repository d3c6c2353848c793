// Fetch v4–12. Returns stored batches as they are (zero decompression), long-polls up to maxWaitMs until
// minBytes are available, woken by appends. v4 added isolationLevel and lastStableOffset (KIP-98), v5
// logStartOffset, v7 fetch sessions (KIP-227), v9 currentLeaderEpoch, v11 rackId (KIP-392), v12 flexible.
// Differs from Kafka: fetch sessions are not kept; every response has sessionId 0, which tells clients
// to keep sending full fetch requests (a documented, valid answer to a session request). Without
// transactions in the log yet, lastStableOffset equals the high watermark. The connection's next request
// starts once the first read is done, so the long-poll never holds it up. Clients of the TLS listener get
// responses of at most tlsFetchMaxBytes (512 KiB by default) where Kafka has one fetch.max.bytes for every
// listener: a TLS client receives a response as 16 KiB records, and @platformatic/kafka (what our services
// consume with) reads each field of a record by walking that list of pieces from the first, so a large
// response costs it more per record over TLS (README, "Benchmarks"). KIP-74 lets a broker answer less than
// asked; the first batch is still sent whole, so consumers always progress.

import { ErrorCode } from '../error-codes.ts';
import type { ReadBuffers } from '../io/read-buffers.ts';
import type { PartitionLog } from '../log/index.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler, type RequestContext } from './handler.ts';

const EMPTY = Buffer.alloc(0);

interface Target {
  log: PartitionLog | undefined;
  errorCode: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

function partitionResult(
  partitionIndex: number,
  errorCode: number,
  log: PartitionLog | undefined,
  records: Buffer,
) {
  const hw = BigInt(log ? log.highWatermark : -1);
  return {
    partitionIndex,
    errorCode,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: BigInt(log ? log.logStartOffset : -1),
    abortedTransactions: errorCode === 0 ? [] : null,
    preferredReadReplica: -1,
    records,
  };
}

function positions(targets: Target[][]): number[] {
  return targets.flatMap((topic) =>
    topic.flatMap((t) => (t.log ? [t.log.logEndOffset, t.log.highWatermark] : [])),
  );
}

interface ReadResult {
  bytes: number;
  results: Buffer[][];
  /** Each partition's log end offset and high watermark when the read started. */
  seen: number[];
}

async function readAll(targets: Target[][], maxBytes: number, pool: ReadBuffers): Promise<ReadResult> {
  const seen = positions(targets);
  let remaining = maxBytes;
  let bytes = 0;
  const results: Buffer[][] = [];
  for (const topic of targets) {
    const out: Buffer[] = [];
    for (const t of topic) {
      if (t.errorCode !== 0 || !t.log || t.fetchOffset >= t.log.logEndOffset || remaining <= 0) {
        out.push(EMPTY);
        continue;
      }
      const limit = Math.min(t.partitionMaxBytes, remaining);
      let data = await t.log.read(t.fetchOffset, limit, pool);
      // KIP-74: the first batch of the response is returned whole even when over the limits, so a
      // consumer can always make progress; later partitions only get what fits.
      if (bytes > 0 && data.length > limit) data = EMPTY;
      bytes += data.length;
      remaining -= data.length;
      out.push(data);
    }
    results.push(out);
  }
  return { bytes, results, seen };
}

/** True when a partition's log moved since `read` began: read again rather than wait for the next append. */
function movedSince(targets: Target[][], read: ReadResult): boolean {
  return positions(targets).some((v, k) => v !== read.seen[k]);
}

function waitForAppend(targets: Target[][], ms: number, context: RequestContext): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribers: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      for (const u of unsubscribers) u();
      context.state.fetchWaiters.delete(done);
      resolve();
    };
    timer = setTimeout(done, ms);
    context.state.fetchWaiters.add(done);
    for (const topic of targets) for (const t of topic) if (t.log) unsubscribers.push(t.log.onAppend(done));
  });
}

export const fetchHandler = defineHandler({
  apiKey: 1,
  async handle(request, context) {
    const { state } = context;
    const targets: Target[][] = request.topics.map((topic) => {
      const authorized = may(context, AclOperation.READ, ResourceType.TOPIC, topic.topic);
      const info = authorized ? state.logs.getTopic(topic.topic) : undefined;
      return topic.partitions.map((p) => {
        const log = info ? state.logs.partition(topic.topic, p.partition) : undefined;
        const fetchOffset = Number(p.fetchOffset);
        let errorCode: number = log ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (!authorized) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (log?.offline) errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        else if (log && (fetchOffset < log.logStartOffset || fetchOffset > log.logEndOffset)) {
          errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        }
        return { log, errorCode, fetchOffset, partitionMaxBytes: p.partitionMaxBytes };
      });
    });
    const anyError = targets.some((topic) => topic.some((t) => t.errorCode !== 0));
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    // Kafka's broker-side fetch.max.bytes: one response never holds more (KIP-74 lets the broker answer
    // less than asked), which bounds the memory a fetch takes whatever the client asks for.
    const maxBytes = Math.min(
      request.maxBytes > 0 ? request.maxBytes : 0x7fffffff,
      state.config.fetchMaxBytes,
      context.connection.tls ? state.config.tlsFetchMaxBytes : 0x7fffffff,
    );
    let read = await readAll(targets, maxBytes, state.logs.readBuffers);
    // The first read saw everything the connection's earlier requests appended; the long-poll that may
    // follow does not hold up the requests behind this one.
    context.applied();
    while (!anyError && read.bytes < Math.max(1, request.minBytes) && !state.closing) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // A request behind this one may have appended between the read and now (it starts as soon as the
      // first read is done); an append listener subscribed now would miss it.
      if (!movedSince(targets, read)) await waitForAppend(targets, left, context);
      read = await readAll(targets, maxBytes, state.logs.readBuffers);
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: request.topics.map((topic, i) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((p, j) => {
          const t = targets[i][j];
          return partitionResult(p.partition, t.errorCode, t.log, read.results[i][j]);
        }),
      })),
      nodeEndpoints: [],
    };
  },
});
