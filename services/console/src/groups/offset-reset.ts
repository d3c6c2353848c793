// Moves a consumer group's committed offsets to the earliest, the latest or the first record at a time,
// with a preview first; only while the group has no members, since a running consumer would overwrite
// the reset with its next commit.
import { ConsoleError } from '../errors/console-error.ts';
import type { KafkaCluster } from '../kafka/kafka-cluster.ts';
import type { GroupLagReader } from './group-lag.ts';

export interface ResetRequest {
  group: string;
  to: 'earliest' | 'latest' | 'timestamp';
  timestamp?: number;
  /** Only this topic's partitions (default: every topic the group has offsets for). */
  topic?: string;
}

export interface ResetPreview {
  topic: string;
  partition: number;
  current: string | null;
  target: string;
}

export class OffsetReset {
  readonly #cluster: KafkaCluster;
  readonly #groups: GroupLagReader;

  constructor(cluster: KafkaCluster, groups: GroupLagReader) {
    this.#cluster = cluster;
    this.#groups = groups;
  }

  async preview(request: ResetRequest): Promise<ResetPreview[]> {
    if (request.to === 'timestamp' && request.timestamp === undefined) {
      throw new ConsoleError('INVALID_FILTER', 'a reset to a timestamp needs `timestamp`');
    }
    const detail = await this.#groups.one(request.group);
    const partitions = detail.partitions.filter(
      (p) => request.topic === undefined || p.topic === request.topic,
    );
    if (request.topic !== undefined && partitions.length === 0) {
      throw new ConsoleError(
        'TOPIC_NOT_FOUND',
        `group ${request.group} has no offsets on topic ${request.topic}`,
      );
    }
    const topics = new Map<string, number>();
    for (const p of partitions) topics.set(p.topic, Math.max(topics.get(p.topic) ?? 0, p.partition + 1));
    const bounds = await this.#cluster.offsets(topics);
    const result: ResetPreview[] = [];
    for (const p of partitions) {
      const b = bounds.get(p.topic)?.[p.partition];
      if (!b) continue;
      let target = request.to === 'earliest' ? b.start : b.end;
      if (request.to === 'timestamp') {
        target = await this.#cluster.offsetForTime(p.topic, p.partition, request.timestamp ?? 0);
      }
      result.push({ topic: p.topic, partition: p.partition, current: p.committed, target: String(target) });
    }
    return result;
  }

  async apply(request: ResetRequest): Promise<ResetPreview[]> {
    const detail = await this.#groups.one(request.group);
    if (detail.members.length > 0) {
      throw new ConsoleError(
        'GROUP_NOT_EMPTY',
        `group ${request.group} has ${detail.members.length} member(s) (${detail.state}); stop its consumers first`,
      );
    }
    const plan = await this.preview(request);
    await this.#cluster.commitOffsets(
      request.group,
      plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: BigInt(p.target) })),
    );
    return plan;
  }
}
