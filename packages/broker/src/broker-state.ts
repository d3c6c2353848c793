// The state every handler shares: the log manager, the group coordinator, configuration and identity.
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.ts';
import { ErrorCode } from './error-codes.ts';
import type { GroupCoordinator } from './groups/index.ts';
import { type LogManager, type TopicInfo, validateTopicName } from './log/index.ts';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export class BrokerState {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  readonly clusterId: string;
  advertisedHost: string;
  advertisedPort: number;
  supportedApis: () => ApiVersionRange[] = () => [];
  /** Long-polling fetches, woken early when the broker stops. */
  readonly fetchWaiters = new Set<() => void>();
  /** Producer id and epoch last handed to each transactional id. */
  readonly transactionalProducers = new Map<string, { producerId: number; epoch: number }>();
  closing = false;
  readonly #creating = new Map<string, Promise<TopicInfo>>();

  constructor(init: {
    config: BrokerConfig;
    logger: Logger;
    logs: LogManager;
    groups: GroupCoordinator;
    clusterId: string;
  }) {
    this.config = init.config;
    this.logger = init.logger;
    this.logs = init.logs;
    this.groups = init.groups;
    this.clusterId = init.clusterId;
    this.advertisedHost = init.config.advertisedHost ?? init.config.host;
    this.advertisedPort = init.config.port;
  }

  /**
   * The topic, created with the default partition count when auto-creation is on (Kafka's
   * auto.create.topics.enable). Returns a Kafka error code when it does not exist and cannot be created.
   */
  async topicOrAutoCreate(name: string, allowAutoCreate = true): Promise<TopicInfo | number> {
    const existing = this.logs.getTopic(name);
    if (existing) return existing;
    if (!allowAutoCreate || !this.config.autoCreateTopics) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (validateTopicName(name) !== null || name.startsWith('__')) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    let pending = this.#creating.get(name);
    if (!pending) {
      const creating = this.logs.createTopic(name, this.config.defaultPartitions);
      pending = creating;
      this.#creating.set(name, creating);
      creating.then(
        (t) => {
          this.#creating.delete(name);
          this.logger.info({ topic: name, partitions: t.partitions }, 'topic auto-created');
        },
        () => this.#creating.delete(name),
      );
    }
    try {
      return await pending;
    } catch {
      return this.logs.getTopic(name) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }
  }
}
