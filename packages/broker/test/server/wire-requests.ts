// Request bodies and a pipelining helper for the server tests: several requests written back to back in
// one write, before any response is read, as clients with several requests in flight send them.
import {
  decodeResponse,
  encodeRecordBatch,
  encodeRequest,
  type RequestBodies,
  type ResponseBodies,
} from '@tributary/kafka-protocol';
import type { RawClient } from '../support/raw-client.ts';

type ApiKey = keyof RequestBodies & keyof ResponseBodies;

export interface WireRequest<K extends ApiKey = ApiKey> {
  apiKey: K;
  version: number;
  body: RequestBodies[K];
}

export function wire<K extends ApiKey>(apiKey: K, version: number, body: RequestBodies[K]): WireRequest {
  return { apiKey, version, body } as unknown as WireRequest;
}

let correlation = 10_000;

/** Writes every request in one write, then reads one response per request, in order. */
export async function pipeline(client: RawClient, requests: WireRequest[]): Promise<unknown[]> {
  const ids = requests.map(() => ++correlation);
  const frames = requests.map(() => client.nextFrame());
  client.writeRaw(
    Buffer.concat(
      requests.map((r, i) =>
        encodeRequest(r.apiKey, r.version, { correlationId: ids[i], clientId: 'pipeline' }, r.body as never),
      ),
    ),
  );
  const out: unknown[] = [];
  for (const [i, r] of requests.entries()) {
    const frame = await frames[i];
    if (!frame) throw new Error(`connection closed before response ${i + 1} of ${requests.length}`);
    const decoded = decodeResponse(r.apiKey, r.version, frame);
    if (decoded.correlationId !== ids[i]) throw new Error(`response ${i + 1} out of order`);
    out.push(decoded.body);
  }
  return out;
}

export function batch(values: string[], producer?: { id: bigint; epoch: number; seq: number }): Buffer {
  const now = BigInt(Date.now());
  return encodeRecordBatch({
    baseTimestamp: now,
    maxTimestamp: now,
    producerId: producer?.id ?? -1n,
    producerEpoch: producer?.epoch ?? -1,
    baseSequence: producer?.seq ?? -1,
    records: values.map((v, i) => ({ offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  });
}

export function produceBody(
  topic: string,
  partitions: { index: number; records: Buffer }[],
  acks = -1,
): RequestBodies[0] {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: partitions }],
  };
}

export function fetchBody(
  topic: string,
  partition: number,
  offset: bigint,
  maxWaitMs = 0,
  minBytes = 1,
): RequestBodies[1] {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: offset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export function createTopicsBody(name: string, numPartitions: number): RequestBodies[19] {
  return {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  };
}

export async function initProducerId(client: RawClient): Promise<{ id: bigint; epoch: number }> {
  const init = await client.request(22, 4, {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  });
  if (init.errorCode !== 0) throw new Error(`InitProducerId failed with ${init.errorCode}`);
  return { id: init.producerId, epoch: init.producerEpoch };
}
