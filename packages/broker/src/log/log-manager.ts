// All topics and their partition logs, with topic metadata persisted beside them.
//
// `topics.json` is the truth about which topics exist: it is replaced atomically, after the directories
// of a new topic are durable and before those of a deleted one are removed, so a crash at any step leaves
// a topic either whole or absent. Directories that no topic owns (a creation or deletion cut short) are
// removed on open.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  errorCode,
  type FileSystem,
  makeDurable,
  mkdirDurable,
  nodeFileSystem,
  readJsonFile,
  writeFileAtomic,
} from '../io/index.ts';
import { ReadBuffers } from '../io/read-buffers.ts';
import { ProducerIdManager } from '../producers/index.ts';
import { type FlushPolicy, FlushScheduler } from './flush-scheduler.ts';
import { IndexCache } from './index-cache.ts';
import { LogError, validateTopicName } from './log-error.ts';
import { LOG_START_OFFSET_FILE, restoreLogStartOffset } from './log-start-offset.ts';
import { OpenFiles } from './open-files.ts';
import { PartitionLog } from './partition-log.ts';
import { checkCreationConfigs, checkTopicConfigs, topicNumber } from './topic-configs.ts';

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
  /** The file system (default node:fs; tests pass a simulated disk). */
  fs?: FileSystem;
  /** Segment files kept open at once; others are closed and reopened on demand (default 1000). */
  maxOpenFiles?: number;
  /** Bytes of rolled segments' offset indexes kept in memory at once (default 8 MiB; 16 bytes per entry). */
  indexCacheBytes?: number;
  /** Size of the reusable buffers large reads go into (the broker's fetch maximum; default 4 MiB). */
  readBufferBytes?: number;
  /** Background timers for flushing and retention (default true; a simulation drives them itself). */
  timers?: boolean;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  partitions: number;
  configs: Record<string, string>;
}

const MAX_PARTITIONS = 100_000;
const METADATA_FILE = 'topics.json';
/** Written last by a clean shutdown, removed (durably) first on open: its presence means nothing to recover. */
const CLEAN_MARKER = '.clean-shutdown';
const OWN_FILES = new Set([METADATA_FILE, 'producer-ids.json']);

function checkTopics(value: unknown): TopicInfo[] | { problem: string } {
  const topics = (value as { topics?: unknown } | null)?.topics;
  if (!Array.isArray(topics)) return { problem: 'expected {"topics": [...]}' };
  for (const [i, t] of topics.entries()) {
    const ok =
      t &&
      typeof t === 'object' &&
      typeof t.name === 'string' &&
      validateTopicName(t.name) === null &&
      typeof t.topicId === 'string' &&
      Number.isInteger(t.partitions) &&
      t.partitions >= 1 &&
      t.configs &&
      typeof t.configs === 'object' &&
      Object.values(t.configs).every((v) => typeof v === 'string');
    if (!ok) return { problem: `topic entry ${i} is malformed` };
  }
  return topics as TopicInfo[];
}

export class LogManager {
  readonly producerIds: ProducerIdManager;
  readonly fs: FileSystem;
  readonly flushScheduler: FlushScheduler;
  readonly openFiles: OpenFiles;
  /** Offset indexes of rolled segments, read from their files on demand (bounded). */
  readonly indexes: IndexCache;
  /** Reusable buffers for fetches: pass to `PartitionLog.read`, returned once the response is written. */
  readonly readBuffers: ReadBuffers;
  readonly #config: Required<Omit<LogConfig, 'flush' | 'fs'>> & { flush: FlushPolicy };
  readonly #topics = new Map<string, TopicInfo>();
  readonly #logs = new Map<string, PartitionLog[]>();
  #retentionTimer: NodeJS.Timeout | undefined;
  /** Topic creations and deletions run one at a time, each with its metadata write. */
  #mutations: Promise<unknown> = Promise.resolve();
  #creating = new Set<string>();
  #clean = false;

  private constructor(config: LogConfig) {
    this.#config = {
      segmentBytes: 128 * 1024 * 1024,
      indexIntervalBytes: 4096,
      flush: { mode: 'interval', intervalMs: 20 },
      retentionMs: 7 * 24 * 3600 * 1000,
      retentionBytes: -1,
      retentionCheckIntervalMs: 300_000,
      timers: true,
      maxOpenFiles: 1000,
      indexCacheBytes: 8 * 1024 * 1024,
      readBufferBytes: 4 * 1024 * 1024,
      ...config,
    };
    this.fs = config.fs ?? nodeFileSystem;
    this.openFiles = new OpenFiles(this.#config.maxOpenFiles);
    this.indexes = new IndexCache(this.#config.indexCacheBytes);
    this.readBuffers = new ReadBuffers(this.#config.readBufferBytes, 8);
    this.flushScheduler = new FlushScheduler(this.#config.flush, config.logger, {
      timer: this.#config.timers,
    });
    this.producerIds = new ProducerIdManager(this.fs, config.dataDir);
  }

  static async open(config: LogConfig): Promise<LogManager> {
    const manager = new LogManager(config);
    await mkdirDurable(manager.fs, config.dataDir);
    const marker = join(config.dataDir, CLEAN_MARKER);
    manager.#clean = manager.fs.exists(marker);
    if (manager.#clean) {
      manager.fs.unlink(marker);
      await manager.fs.syncDir(config.dataDir);
    }
    await manager.producerIds.load();
    const topics = readJsonFile(manager.fs, manager.#metadataPath, checkTopics) ?? [];
    await makeDurable(manager.fs, manager.#metadataPath);
    await manager.#removeOrphans(topics);
    try {
      for (const topic of topics) {
        manager.#topics.set(topic.name, topic);
        manager.#logs.set(topic.name, await manager.#openPartitions(topic));
      }
    } catch (err) {
      for (const logs of manager.#logs.values()) for (const log of logs) log.closeForDelete();
      throw err;
    }
    manager.#clean = false;
    if (manager.#config.timers) {
      manager.#retentionTimer = setInterval(
        () => manager.applyRetention(Date.now()),
        manager.#config.retentionCheckIntervalMs,
      );
      manager.#retentionTimer.unref();
    }
    return manager;
  }

  /** Removes directories no topic owns and temp files of writes that never finished. */
  async #removeOrphans(topics: TopicInfo[]): Promise<void> {
    const owned = new Set<string>();
    for (const t of topics) for (let i = 0; i < t.partitions; i++) owned.add(`${t.name}-${i}`);
    const orphans = this.fs
      .readdir(this.#config.dataDir)
      .filter((name) => !owned.has(name) && !OWN_FILES.has(name));
    if (orphans.length === 0) return;
    for (const name of orphans) this.fs.removeTree(join(this.#config.dataDir, name));
    await this.fs.syncDir(this.#config.dataDir);
    this.#config.logger.warn(
      { removed: orphans.slice(0, 20), count: orphans.length },
      'removed files and directories no topic owns (a topic creation or deletion cut short)',
    );
  }

  async #openPartitions(topic: TopicInfo, from = 0, to = topic.partitions): Promise<PartitionLog[]> {
    const logs: PartitionLog[] = [];
    try {
      for (let i = from; i < to; i++) {
        const log = await PartitionLog.open(
          topic.name,
          i,
          PartitionLog.dirFor(this.#config.dataDir, topic.name, i),
          {
            fs: this.fs,
            segmentBytes: topicNumber(topic.configs, 'segment.bytes', this.#config.segmentBytes),
            indexIntervalBytes: this.#config.indexIntervalBytes,
            flush: this.flushScheduler,
            logger: this.#config.logger,
            files: this.openFiles,
            indexes: this.indexes,
            clean: this.#clean,
          },
        );
        logs.push(log);
        restoreLogStartOffset(this.fs, log);
        await makeDurable(this.fs, join(log.dir, LOG_START_OFFSET_FILE));
      }
    } catch (err) {
      for (const log of logs) log.closeForDelete();
      throw err;
    }
    return logs;
  }

  get #metadataPath(): string {
    return join(this.#config.dataDir, METADATA_FILE);
  }

  /** Persists the topic list (atomically); callers change `topics` first and undo it when this fails. */
  saveTopics(): Promise<void> {
    return this.#writeTopics([...this.#topics.values()]);
  }

  #writeTopics(topics: TopicInfo[]): Promise<void> {
    return writeFileAtomic(this.fs, this.#metadataPath, JSON.stringify({ topics }, null, 1));
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#mutations.then(work, work);
    this.#mutations = run.catch(() => {});
    return run;
  }

  async createTopic(
    name: string,
    partitions: number,
    configs: Record<string, string> = {},
  ): Promise<TopicInfo> {
    const nameError = validateTopicName(name);
    if (nameError) throw new LogError('INVALID_TOPIC_NAME', nameError);
    if (this.#topics.has(name) || this.#creating.has(name))
      throw new LogError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new LogError(
        'INVALID_PARTITIONS',
        `partition count must be 1..${MAX_PARTITIONS}, got ${partitions}`,
      );
    }
    checkCreationConfigs(configs);
    this.#creating.add(name);
    try {
      return await this.#serial(() => this.#create(name, partitions, configs));
    } finally {
      this.#creating.delete(name);
    }
  }

  async #create(name: string, partitions: number, configs: Record<string, string>): Promise<TopicInfo> {
    const dirs = Array.from({ length: partitions }, (_, i) =>
      PartitionLog.dirFor(this.#config.dataDir, name, i),
    );
    const topic: TopicInfo = { name, topicId: randomUUID(), partitions, configs: { ...configs } };
    let logs: PartitionLog[] = [];
    try {
      for (const dir of dirs) this.fs.mkdir(dir);
      await this.fs.syncDir(this.#config.dataDir);
      logs = await this.#openPartitions(topic);
      // Visible only once durable: nobody may write to or read from a topic a crash could take back.
      await this.#writeTopics([...this.#topics.values(), topic]);
      this.#topics.set(name, topic);
      this.#logs.set(name, logs);
      return topic;
    } catch (err) {
      // All or nothing: no partial topic, no directories left behind.
      this.#topics.delete(name);
      this.#logs.delete(name);
      for (const log of logs) log.closeForDelete();
      try {
        for (const dir of dirs) this.fs.removeTree(dir);
        await this.fs.syncDir(this.#config.dataDir);
      } catch (cleanupErr) {
        this.#config.logger.error({ err: cleanupErr, topic: name }, 'cannot remove a failed topic creation');
      }
      const cause = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
      this.#config.logger.error({ err, topic: name, partitions }, 'topic creation failed');
      throw new LogError(
        'STORAGE_ERROR',
        `cannot create topic '${name}' with ${partitions} partitions (${cause}); nothing of it was kept`,
        { cause: err },
      );
    }
  }

  async deleteTopic(name: string): Promise<void> {
    if (!this.#logs.has(name)) throw new LogError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
    await this.#serial(async () => {
      const logs = this.#logs.get(name);
      const topic = this.#topics.get(name);
      if (!logs || !topic) throw new LogError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      this.#topics.delete(name);
      this.#logs.delete(name);
      try {
        await this.saveTopics();
      } catch (err) {
        this.#topics.set(name, topic);
        this.#logs.set(name, logs);
        throw new LogError('STORAGE_ERROR', `cannot delete topic '${name}': ${errorCode(err) ?? err}`, {
          cause: err,
        });
      }
      for (const log of logs) log.closeForDelete();
      // The topic is gone from the metadata; directories left by a crash here are removed on open.
      for (const log of logs) this.fs.removeTree(log.dir);
      await this.fs.syncDir(this.#config.dataDir);
    });
  }

  /**
   * Grows a topic to `total` partitions (CreatePartitions). As with a creation, the new partitions'
   * directories are durable before the metadata names them, and a failure leaves the topic as it was.
   */
  addPartitions(name: string, total: number): Promise<TopicInfo> {
    return this.#serial(async () => {
      const topic = this.#topics.get(name);
      const logs = this.#logs.get(name);
      if (!topic || !logs) throw new LogError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      const before = topic.partitions;
      if (!Number.isInteger(total) || total <= before || total > MAX_PARTITIONS)
        throw new LogError(
          'INVALID_PARTITIONS',
          `partition count must be ${before + 1}..${MAX_PARTITIONS}, got ${total}`,
        );
      const dirs = Array.from({ length: total - before }, (_, i) =>
        PartitionLog.dirFor(this.#config.dataDir, name, before + i),
      );
      let added: PartitionLog[] = [];
      try {
        for (const dir of dirs) this.fs.mkdir(dir);
        await this.fs.syncDir(this.#config.dataDir);
        added = await this.#openPartitions(topic, before, total);
        // Visible only once durable, as a new topic is.
        const grown = { ...topic, partitions: total };
        await this.#writeTopics([...this.#topics.values()].map((t) => (t === topic ? grown : t)));
        logs.push(...added);
        topic.partitions = total;
        return topic;
      } catch (err) {
        for (const log of added) log.closeForDelete();
        try {
          for (const dir of dirs) this.fs.removeTree(dir);
        } catch (cleanupErr) {
          // Removed on the next open: no topic owns them.
          this.#config.logger.error(
            { err: cleanupErr, topic: name },
            'cannot remove new partition directories',
          );
        }
        const cause = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
        throw new LogError('STORAGE_ERROR', `cannot add partitions to '${name}' (${cause})`, { cause: err });
      }
    });
  }

  /**
   * Replaces a topic's config overrides (validated; AlterConfigs, IncrementalAlterConfigs), durably. Retention
   * applies them on its next pass, a new segment.bytes from each partition's next roll.
   */
  setTopicConfigs(name: string, configs: Record<string, string>): Promise<TopicInfo> {
    checkTopicConfigs(configs);
    return this.#serial(async () => {
      const topic = this.#topics.get(name);
      if (!topic) throw new LogError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      const changed = { ...topic, configs: { ...configs } };
      try {
        await this.#writeTopics([...this.#topics.values()].map((t) => (t === topic ? changed : t)));
      } catch (err) {
        const cause = errorCode(err) ?? (err instanceof Error ? err.message : String(err));
        throw new LogError('STORAGE_ERROR', `cannot change the configs of '${name}' (${cause})`, {
          cause: err,
        });
      }
      topic.configs = changed.configs;
      const segmentBytes = topicNumber(topic.configs, 'segment.bytes', this.#config.segmentBytes);
      for (const log of this.#logs.get(name) ?? []) log.segmentBytes = segmentBytes;
      return topic;
    });
  }

  /**
   * New broker-wide topic defaults (dynamic broker configs): retention applies them on its next pass, and
   * partitions of topics without their own segment.bytes roll at the new size from their next roll.
   */
  setBrokerDefaults(defaults: { retentionMs: number; retentionBytes: number; segmentBytes: number }): void {
    this.#config.retentionMs = defaults.retentionMs;
    this.#config.retentionBytes = defaults.retentionBytes;
    this.#config.segmentBytes = defaults.segmentBytes;
    for (const [name, logs] of this.#logs) {
      const segmentBytes = topicNumber(
        this.#topics.get(name)?.configs ?? {},
        'segment.bytes',
        defaults.segmentBytes,
      );
      for (const log of logs) log.segmentBytes = segmentBytes;
    }
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
    await this.#mutations;
    for (const logs of this.#logs.values()) for (const log of logs) await log.close();
    await this.flushScheduler.close();
    const offline = [...this.#logs.values()].some((logs) => logs.some((l) => l.offline));
    if (offline) return;
    const marker = join(this.#config.dataDir, CLEAN_MARKER);
    this.fs.close(this.fs.open(marker, 'create'));
    await this.fs.syncDir(this.#config.dataDir);
  }
}
