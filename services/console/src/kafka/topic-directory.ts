// Topic ids, partition leaders and partition counts, cached briefly: every page of messages needs them and
// asking the cluster each time would double a page's latency.
import { ConsoleError } from '../errors/console-error.ts';
import type { KafkaCluster } from './kafka-cluster.ts';

export interface TopicLayout {
  name: string;
  id: string;
  leaders: number[];
}

const FRESH_MS = 5_000;

export class TopicDirectory {
  readonly #cluster: KafkaCluster;
  readonly #cache = new Map<string, { layout: TopicLayout; at: number }>();

  constructor(cluster: KafkaCluster) {
    this.#cluster = cluster;
  }

  /** The layout of `topic`; TOPIC_NOT_FOUND when the cluster does not have it. */
  async layout(topic: string): Promise<TopicLayout> {
    const cached = this.#cache.get(topic);
    if (cached && performance.now() - cached.at < FRESH_MS) return cached.layout;
    const names = await this.#cluster.topicNames();
    if (!names.includes(topic))
      throw new ConsoleError('TOPIC_NOT_FOUND', `the cluster has no topic ${topic}`);
    const metadata = await this.#cluster.metadata([topic]);
    const found = metadata.topics.get(topic);
    if (!found) throw new ConsoleError('TOPIC_NOT_FOUND', `the cluster has no topic ${topic}`);
    const layout = { name: topic, id: found.id, leaders: found.partitions.map((p) => p.leader) };
    this.#cache.set(topic, { layout, at: performance.now() });
    return layout;
  }

  async partitionCount(topic: string): Promise<number> {
    return (await this.layout(topic)).leaders.length;
  }

  forget(topic: string): void {
    this.#cache.delete(topic);
  }
}
