// The console's view of any Kafka cluster through @platformatic/kafka: an admin client for metadata, groups,
// offsets and configs, a consumer that never joins a group (it only fetches chosen offsets), a producer.
import {
  Admin,
  type ClusterMetadata,
  ConfigResourceTypes,
  Consumer,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { clientSecurityOptions, type KafkaSecurity } from '@tributary/messaging';

export interface KafkaClusterOptions {
  brokers: readonly string[];
  clientId?: string;
  requestTimeoutMs?: number;
  /** SASL and TLS (plaintext when unset). */
  security?: KafkaSecurity;
}

/** One record as read from a partition; key, value and header values stay bytes until a view decodes them. */
export interface FetchedRecord {
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
}

export interface PartitionOffsets {
  partition: number;
  start: bigint;
  end: bigint;
}

export interface GroupSummary {
  id: string;
  state: string;
  protocolType: string;
}

export interface GroupMemberView {
  id: string;
  clientId: string;
  clientHost: string;
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupDescription extends GroupSummary {
  protocol: string;
  members: GroupMemberView[];
}

export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition?: number;
}

/** Bytes per partition of each topic, or why the cluster would not say (DescribeLogDirs refused). */
export type TopicSizes =
  | { known: true; topics: Map<string, Map<number, number>> }
  | { known: false; reason: string };

const CONSOLE_GROUP = 'tributary-console-reader';

/** The innermost message of a client error (they nest as `errors` and `cause`). */
export function rootCause(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 10; depth++) {
    const errors = (current as { errors?: unknown[] })?.errors;
    const cause = (current as { cause?: unknown })?.cause;
    if (Array.isArray(errors) && errors.length > 0) current = errors[errors.length - 1];
    else if (cause !== undefined) current = cause;
    else break;
  }
  return current instanceof Error ? current.message : String(current);
}

export class KafkaCluster {
  readonly #admin: Admin;
  readonly #reader: Consumer<Buffer, Buffer, Buffer, Buffer>;
  readonly #options: KafkaClusterOptions;
  #producer: Producer<string, Buffer, string, string> | undefined;

  constructor(options: KafkaClusterOptions) {
    this.#options = options;
    const base = {
      clientId: options.clientId ?? 'tributary-console',
      bootstrapBrokers: [...options.brokers],
      timeout: options.requestTimeoutMs ?? 5_000,
      retries: 1,
      retryDelay: 100,
      ...clientSecurityOptions(options.security),
    };
    this.#admin = new Admin(base);
    // The reader fetches the offsets a view asks for and never joins its group.
    this.#reader = new Consumer({ ...base, groupId: CONSOLE_GROUP, autocommit: false, maxWaitTime: 0 });
  }

  async metadata(topics?: readonly string[]): Promise<ClusterMetadata> {
    if (topics === undefined) {
      const names = await this.#admin.listTopics({ includeInternals: false });
      return this.#admin.metadata({ topics: names, forceUpdate: true });
    }
    return this.#admin.metadata({ topics: [...topics], forceUpdate: true });
  }

  async topicNames(): Promise<string[]> {
    return (await this.#admin.listTopics({ includeInternals: false })).sort();
  }

  /** First and next offsets of every partition of each topic (ListOffsets earliest and latest). */
  async offsets(topics: ReadonlyMap<string, number>): Promise<Map<string, PartitionOffsets[]>> {
    if (topics.size === 0) return new Map();
    const request = (timestamp: bigint) =>
      [...topics].map(([name, count]) => ({
        name,
        partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })),
      }));
    const [starts, ends] = await Promise.all([
      this.#admin.listOffsets({ topics: request(-2n) }),
      this.#admin.listOffsets({ topics: request(-1n) }),
    ]);
    const result = new Map<string, PartitionOffsets[]>();
    for (const topic of ends) {
      const first = starts.find((s) => s.name === topic.name);
      result.set(
        topic.name,
        topic.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            end: p.offset,
            start: first?.partitions.find((s) => s.partitionIndex === p.partitionIndex)?.offset ?? 0n,
          }))
          .sort((a, b) => a.partition - b.partition),
      );
    }
    return result;
  }

  /**
   * The size of each partition (DescribeLogDirs to every broker): the leader's copy where `leaders` names
   * it, else the largest copy. A cluster that refuses the request (an old broker, a missing ACL for
   * DESCRIBE on the cluster) gives the reason instead; the rest of a view does not depend on it.
   */
  async sizes(topics: ReadonlyMap<string, readonly number[]>): Promise<TopicSizes> {
    if (topics.size === 0) return { known: true, topics: new Map() };
    let described: Awaited<ReturnType<Admin['describeLogDirs']>>;
    try {
      described = await this.#admin.describeLogDirs({
        topics: [...topics].map(([name, leaders]) => ({ name, partitions: leaders.map((_, i) => i) })),
      });
    } catch (err) {
      return { known: false, reason: rootCause(err) };
    }
    const result = new Map<string, Map<number, number>>();
    const chosen = new Map<string, Map<number, { size: number; leader: boolean }>>();
    for (const broker of described) {
      for (const dir of broker.results) {
        for (const topic of dir.topics) {
          const leaders = topics.get(topic.name);
          if (!leaders) continue;
          const byPartition = chosen.get(topic.name) ?? new Map<number, { size: number; leader: boolean }>();
          chosen.set(topic.name, byPartition);
          for (const p of topic.partitions) {
            if (p.isFutureKey) continue;
            const size = Number(p.partitionSize);
            const leader = leaders[p.partitionIndex] === broker.broker;
            const seen = byPartition.get(p.partitionIndex);
            if (!seen || (leader && !seen.leader) || (leader === seen.leader && size > seen.size))
              byPartition.set(p.partitionIndex, { size, leader });
          }
        }
      }
    }
    for (const [name, byPartition] of chosen)
      result.set(name, new Map([...byPartition].map(([i, c]) => [i, c.size])));
    return { known: true, topics: result };
  }

  /** The next offset of every partition of a topic (ListOffsets latest only). */
  async endOffsets(topic: string, partitions: number): Promise<Map<number, bigint>> {
    const [listed] = await this.#admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp: -1n,
          })),
        },
      ],
    });
    return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
  }

  /** The first offset whose timestamp is at or after `timestamp` (ms), or the end offset when none is. */
  async offsetForTime(topic: string, partition: number, timestamp: number): Promise<bigint> {
    const [listed] = await this.#admin.listOffsets({
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, timestamp: BigInt(timestamp) }] }],
    });
    const found = listed?.partitions[0]?.offset ?? -1n;
    if (found >= 0n) return found;
    const ends = await this.offsets(new Map([[topic, partition + 1]]));
    return ends.get(topic)?.[partition]?.end ?? 0n;
  }

  async topicConfigs(topic: string): Promise<{ name: string; value: string | null; default: boolean }[]> {
    const [described] = await this.#admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    });
    return (described?.configs ?? [])
      .map((c) => ({
        name: c.name,
        value: c.isSensitive ? null : (c.value ?? null),
        default: c.configSource === 5,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Records of one partition from `offset`, at most about `maxBytes` of batches (whole batches). */
  async fetch(
    topic: string,
    topicId: string,
    leader: number,
    partition: number,
    offset: bigint,
    maxBytes: number,
  ): Promise<FetchedRecord[]> {
    // The client resolves topic ids to names (Fetch up to v12) from the metadata of the topics it tracks.
    if (!this.#reader.topics.has(topic)) this.#reader.topics.track(topic);
    const response = await this.#reader.fetch({
      node: leader,
      maxWaitTime: 0,
      minBytes: 1,
      maxBytes,
      topics: [
        {
          topicId,
          partitions: [
            {
              partition,
              fetchOffset: offset,
              partitionMaxBytes: maxBytes,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            },
          ],
        },
      ],
    });
    const records: FetchedRecord[] = [];
    for (const t of response.responses) {
      for (const p of t.partitions) {
        for (const batch of p.records ?? []) {
          for (const r of batch.records) {
            const at = batch.firstOffset + BigInt(r.offsetDelta);
            if (at < offset) continue;
            records.push({
              partition,
              offset: at,
              timestamp: batch.firstTimestamp + r.timestampDelta,
              key: r.key,
              value: r.value,
              headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v]),
            });
          }
        }
      }
    }
    return records;
  }

  async groups(): Promise<GroupSummary[]> {
    const listed = await this.#admin.listGroups();
    return [...listed.values()]
      .map((g) => ({ id: g.id, state: String(g.state), protocolType: g.protocolType }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async describeGroups(ids: readonly string[]): Promise<Map<string, GroupDescription>> {
    const described = await this.#admin.describeGroups({ groups: [...ids] });
    const result = new Map<string, GroupDescription>();
    for (const [id, g] of described) {
      result.set(id, {
        id,
        state: String(g.state),
        protocolType: g.protocolType,
        protocol: g.protocol,
        members: [...g.members.values()].map((m) => ({
          id: m.id,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: [...(m.assignments?.values() ?? [])].map((a) => ({
            topic: a.topic,
            partitions: [...a.partitions],
          })),
        })),
      });
    }
    return result;
  }

  /** Committed offsets of each group, by topic then partition. */
  async committed(ids: readonly string[]): Promise<Map<string, Map<string, Map<number, bigint>>>> {
    const listed = await this.#admin.listConsumerGroupOffsets({ groups: [...ids] });
    const result = new Map<string, Map<string, Map<number, bigint>>>();
    for (const group of listed) {
      const topics = new Map<string, Map<number, bigint>>();
      for (const topic of group.topics) {
        topics.set(topic.name, new Map(topic.partitions.map((p) => [p.partitionIndex, p.committedOffset])));
      }
      result.set(group.groupId, topics);
    }
    return result;
  }

  async commitOffsets(
    groupId: string,
    offsets: readonly { topic: string; partition: number; offset: bigint }[],
  ): Promise<void> {
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({ partition: o.partition, offset: o.offset });
      byTopic.set(o.topic, list);
    }
    await this.#admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    if ((await this.topicNames()).includes(topic)) return;
    try {
      await this.#admin.createTopics({ topics: [topic], partitions, replicas: -1 });
    } catch (err) {
      // Created meanwhile by someone else: fine.
      if (!(await this.topicNames()).includes(topic)) throw err;
    }
  }

  async produce(records: readonly OutgoingRecord[]): Promise<void> {
    this.#producer ??= new Producer({
      clientId: `${this.#options.clientId ?? 'tributary-console'}-producer`,
      bootstrapBrokers: [...this.#options.brokers],
      timeout: this.#options.requestTimeoutMs ?? 5_000,
      ...clientSecurityOptions(this.#options.security),
      idempotent: false,
      acks: ProduceAcks.ALL,
      serializers: {
        key: (k) => (k === undefined || k === null ? undefined : Buffer.from(k)),
        value: (v) => v,
        headerKey: (k) => (k === undefined ? undefined : Buffer.from(k)),
        headerValue: (v) => (v === undefined ? undefined : Buffer.from(v)),
      },
    });
    await this.#producer.send({
      acks: ProduceAcks.ALL,
      messages: records.map((r) => ({
        topic: r.topic,
        key: r.key ?? undefined,
        value: r.value ?? undefined,
        headers: new Map(Object.entries(r.headers)),
        partition: r.partition,
      })),
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#admin.close(), this.#reader.close(true), this.#producer?.close()]);
  }
}
