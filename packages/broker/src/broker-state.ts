// The state every handler shares: the log manager, the group coordinator, configuration and identity.
import type { Logger } from 'pino';
import type { BrokerConfig } from './config.ts';
import type { DynamicBrokerConfigs } from './dynamic-broker-configs.ts';
import { ErrorCode } from './error-codes.ts';
import type { GroupCoordinator } from './groups/index.ts';
import { type LogManager, type TopicInfo, validateTopicName } from './log/index.ts';
import { PartitionLimitError, PartitionLimits } from './partition-limits.ts';
import type { Authorizer } from './security/authorizer.ts';
import type { SaslAuthenticator } from './security/sasl-authenticator.ts';
import type { ScramAdmin } from './security/scram-admin.ts';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** Why a topic cannot be had: a Kafka error code and, where there is more to say, a message. */
export interface TopicRefusal {
  errorCode: number;
  message: string | null;
}

// Refused auto-creations are logged at most this often (a producer retries them in a loop).
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class BrokerState {
  readonly config: BrokerConfig;
  readonly logger: Logger;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  readonly clusterId: string;
  /** Broker settings changed over the wire (AlterConfigs on the BROKER resource). */
  readonly dynamicConfigs: DynamicBrokerConfigs;
  advertisedHost: string;
  advertisedPort: number;
  supportedApis: () => ApiVersionRange[] = () => [];
  /** SASL of the listener; undefined: clients are not authenticated. */
  sasl: SaslAuthenticator | undefined;
  /** The ACL authorizer; undefined: every client may do everything (authorizer none). */
  authorizer: Authorizer | undefined;
  /** SCRAM users changed over the wire (KIP-554); set once the broker has started. */
  scramAdmin: ScramAdmin | undefined;
  /** Long-polling fetches, woken early when the broker stops. */
  readonly fetchWaiters = new Set<() => void>();
  closing = false;
  readonly partitionLimits: PartitionLimits;
  readonly #creating = new Map<string, Promise<TopicInfo>>();
  #lastRefusalLog = -Infinity;

  constructor(init: {
    config: BrokerConfig;
    logger: Logger;
    logs: LogManager;
    groups: GroupCoordinator;
    clusterId: string;
    dynamicConfigs: DynamicBrokerConfigs;
  }) {
    this.config = init.config;
    this.logger = init.logger;
    this.logs = init.logs;
    this.groups = init.groups;
    this.clusterId = init.clusterId;
    this.dynamicConfigs = init.dynamicConfigs;
    this.advertisedHost = init.config.advertisedHost ?? init.config.host;
    this.advertisedPort = init.config.port;
    this.partitionLimits = new PartitionLimits(init.config, () => {
      let n = 0;
      for (const t of this.logs.listTopics()) n += t.partitions;
      return n;
    });
  }

  /**
   * Creates a topic within the broker's partition limits: throws a PartitionLimitError (with the Kafka
   * error code and a message naming the limit) when it would break one, else whatever the log throws.
   */
  createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    return this.partitionLimits.reserve(partitions, partitions, () =>
      this.logs.createTopic(name, partitions, configs),
    );
  }

  /**
   * The topic, created with the default partition count when auto-creation is on (Kafka's
   * auto.create.topics.enable). Returns a Kafka error code when it does not exist and cannot be created.
   */
  async topicOrAutoCreate(name: string, allowAutoCreate = true): Promise<TopicInfo | number> {
    const found = await this.findOrAutoCreateTopic(name, allowAutoCreate);
    return 'errorCode' in found ? found.errorCode : found;
  }

  /** As `topicOrAutoCreate`, with the reason when the topic cannot be had. */
  async findOrAutoCreateTopic(name: string, allowAutoCreate = true): Promise<TopicInfo | TopicRefusal> {
    const existing = this.logs.getTopic(name);
    if (existing) return existing;
    if (!allowAutoCreate || !this.config.autoCreateTopics) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
    }
    const nameError = validateTopicName(name);
    if (nameError !== null || name.startsWith('__')) {
      return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: nameError ?? 'reserved topic name' };
    }
    let pending = this.#creating.get(name);
    if (!pending) {
      const creating = this.createTopic(name, this.config.defaultPartitions);
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
    } catch (err) {
      if (err instanceof PartitionLimitError) {
        this.#logRefusal(name, err);
        return { errorCode: err.errorCode, message: err.message };
      }
      return this.logs.getTopic(name) ?? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
    }
  }

  #logRefusal(topic: string, err: PartitionLimitError): void {
    const now = performance.now();
    if (now - this.#lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.#lastRefusalLog = now;
    this.logger.warn({ topic, reason: err.message }, 'topic not auto-created: partition limit');
  }
}
