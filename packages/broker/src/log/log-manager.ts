// All topics and their partition logs, with topic metadata persisted beside them.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ProducerIdManager } from '../producers/index.ts';
import { type FlushPolicy, FlushScheduler } from './flush-scheduler.ts';
import { LogError, validateTopicName } from './log-error.ts';
import { PartitionLog } from './partition-log.ts';

export interface LogConfig {
  dataDir: string;
  segmentBytes?: number;
  indexIntervalBytes?: number;
  flush?: FlushPolicy;
  /** -1 keeps forever (default 7 days). */
  retentionMs?: number;
  /** Per partition; -1 (default) is unlimited. */
  retentionBytes?: number;
  retentionCheckIntervalMs?: number;
  logger: Logger;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
}

const TOPIC_CONFIGS: Record<string, (v: string) => boolean> = {
  'retention.ms': (v) => /^-?\d+$/.test(v) && Number(v) >= -1,
  'retention.bytes': (v) => /^-?\d+$/.test(v) && Number(v) >= -1,
  'message.timestamp.type': (v) => v === 'CreateTime' || v === 'LogAppendTime',
  'cleanup.policy': (v) =>
    v === 'delete' || v === 'compact' || v === 'compact,delete' || v === 'delete,compact',
};

const MAX_PARTITIONS = 100_000;

export class LogManager {
  readonly producerIds: ProducerIdManager;
  readonly #config: Required<Omit<LogConfig, 'flush'>> & { flush: FlushPolicy };
  readonly #flush: FlushScheduler;
  readonly #topics = new Map<string, TopicInfo>();
  readonly #logs = new Map<string, PartitionLog[]>();
  #retentionTimer: NodeJS.Timeout | undefined;

  private constructor(config: LogConfig) {
    this.#config = {
      segmentBytes: 128 * 1024 * 1024,
      indexIntervalBytes: 4096,
      flush: { mode: 'interval', intervalMs: 20 },
      retentionMs: 7 * 24 * 3600 * 1000,
      retentionBytes: -1,
      retentionCheckIntervalMs: 300_000,
      ...config,
    };
    mkdirSync(config.dataDir, { recursive: true });
    this.#flush = new FlushScheduler(this.#config.flush, config.logger);
    this.producerIds = new ProducerIdManager(config.dataDir);
  }

  static async open(config: LogConfig): Promise<LogManager> {
    const manager = new LogManager(config);
    for (const topic of manager.#readMetadata()) {
      manager.#topics.set(topic.name, topic);
      manager.#logs.set(topic.name, manager.#openPartitions(topic));
    }
    manager.#retentionTimer = setInterval(
      () => manager.applyRetention(Date.now()),
      manager.#config.retentionCheckIntervalMs,
    );
    manager.#retentionTimer.unref();
    return manager;
  }

  #openPartitions(topic: TopicInfo): PartitionLog[] {
    return Array.from({ length: topic.partitions }, (_, i) =>
      PartitionLog.open(topic.name, i, join(this.#config.dataDir, `${topic.name}-${i}`), {
        segmentBytes: this.#config.segmentBytes,
        indexIntervalBytes: this.#config.indexIntervalBytes,
        flush: this.#flush,
        logger: this.#config.logger,
      }),
    );
  }

  get #metadataPath(): string {
    return join(this.#config.dataDir, 'topics.json');
  }

  #readMetadata(): TopicInfo[] {
    if (!existsSync(this.#metadataPath)) return [];
    const parsed = JSON.parse(readFileSync(this.#metadataPath, 'utf8')) as { topics?: TopicInfo[] };
    return parsed.topics ?? [];
  }

  #writeMetadata(): void {
    const tmp = `${this.#metadataPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ topics: [...this.#topics.values()] }, null, 1));
    renameSync(tmp, this.#metadataPath);
  }

  async createTopic(
    name: string,
    partitions: number,
    configs: Record<string, string> = {},
  ): Promise<TopicInfo> {
    const nameError = validateTopicName(name);
    if (nameError) throw new LogError('INVALID_TOPIC_NAME', nameError);
    if (this.#topics.has(name)) throw new LogError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new LogError(
        'INVALID_PARTITIONS',
        `partition count must be 1..${MAX_PARTITIONS}, got ${partitions}`,
      );
    }
    for (const [key, value] of Object.entries(configs)) {
      const valid = TOPIC_CONFIGS[key];
      if (!valid) throw new LogError('INVALID_CONFIG', `unsupported topic config '${key}'`);
      if (!valid(value))
        throw new LogError('INVALID_CONFIG', `invalid value '${value}' for topic config '${key}'`);
    }
    const topic: TopicInfo = { name, topicId: randomUUID(), partitions, configs: { ...configs } };
    this.#topics.set(name, topic);
    this.#logs.set(name, this.#openPartitions(topic));
    this.#writeMetadata();
    return topic;
  }

  async deleteTopic(name: string): Promise<void> {
    const logs = this.#logs.get(name);
    if (!logs) throw new LogError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
    this.#topics.delete(name);
    this.#logs.delete(name);
    this.#writeMetadata();
    for (const log of logs) await log.deleteAll();
  }

  getTopic(name: string): TopicInfo | undefined {
    return this.#topics.get(name);
  }

  getTopicById(id: string): TopicInfo | undefined {
    for (const t of this.#topics.values()) if (t.topicId === id) return t;
    return undefined;
  }

  listTopics(): TopicInfo[] {
    return [...this.#topics.values()];
  }

  partition(topic: string, index: number): PartitionLog | undefined {
    return this.#logs.get(topic)?.[index];
  }

  applyRetention(nowMs: number): number {
    let deleted = 0;
    for (const [name, logs] of this.#logs) {
      const configs = this.#topics.get(name)?.configs ?? {};
      const ms =
        configs['retention.ms'] !== undefined ? Number(configs['retention.ms']) : this.#config.retentionMs;
      const bytes =
        configs['retention.bytes'] !== undefined
          ? Number(configs['retention.bytes'])
          : this.#config.retentionBytes;
      for (const log of logs) deleted += log.applyRetention(nowMs, ms, bytes);
    }
    return deleted;
  }

  async close(): Promise<void> {
    clearInterval(this.#retentionTimer);
    for (const logs of this.#logs.values()) for (const log of logs) await log.close();
    await this.#flush.close();
  }
}
