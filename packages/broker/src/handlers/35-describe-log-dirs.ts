// DescribeLogDirs v0–4 (KIP-113): the broker's one log directory with the size of every partition in it.
// Sizes are the sum of the partition's segment sizes as the log keeps them in memory (no directory scan per
// request), unflushed bytes included, as in Kafka. A single node has no replicas to catch up with and no
// AlterReplicaLogDirs, so offsetLag is 0 and isFutureKey false. Kafka leaves out partitions it does not
// have (unknown topics and partitions are simply absent) and the logs of an offline directory; here one
// partition can go offline on its own (a failed fsync), and it is left out the same way while the
// directory stays online for the others. The volume's total and usable bytes (v4) are not measured and
// report -1, Kafka's value for "unknown". It needs DESCRIBE on the cluster: without it the answer lists no
// directory and, from v3, carries CLUSTER_AUTHORIZATION_FAILED, as Kafka's does. v1 as v0 (throttling before the response), v2 flexible, v3
// top-level error code (KIP-784), v4 TotalBytes and UsableBytes (KIP-827).
import { resolve } from 'node:path';
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, mayOnCluster } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const describeLogDirsHandler = defineHandler({
  apiKey: 35,
  handle(request, context) {
    const { state } = context;
    if (!mayOnCluster(context, AclOperation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    // null: every partition; otherwise only the partitions named, topic by topic.
    const wanted =
      request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const topics = [];
    for (const topic of state.logs.listTopics()) {
      const only = wanted === null ? undefined : wanted.get(topic.name);
      if (wanted !== null && only === undefined) continue;
      const partitions = [];
      for (let index = 0; index < topic.partitions; index++) {
        if (only !== undefined && !only.has(index)) continue;
        const log = state.logs.partition(topic.name, index);
        if (!log || log.offline) continue;
        partitions.push({
          partitionIndex: index,
          partitionSize: BigInt(log.sizeBytes),
          offsetLag: 0n,
          isFutureKey: false,
        });
      }
      // Kafka leaves out a topic none of whose partitions it lists.
      if (partitions.length > 0) topics.push({ name: topic.name, partitions });
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      results: [
        {
          errorCode: 0,
          logDir: resolve(state.config.dataDir),
          topics,
          totalBytes: -1n,
          usableBytes: -1n,
        },
      ],
    };
  },
});
