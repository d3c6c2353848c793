// How many partitions one topic and the whole broker may have: every partition costs a directory, open
// files and memory, so one CreateTopics (or an auto-created topic) must not be able to exhaust them.
// A topic over its limit is INVALID_PARTITIONS, as Kafka answers a bad count; a broker over its limit is
// POLICY_VIOLATION, as a Kafka create-topic policy refusing it would be. Both messages name the limit.
import { ErrorCode } from './error-codes.ts';

export class PartitionLimitError extends Error {
  readonly code = 'PARTITION_LIMIT';
  /** The Kafka error code to answer with. */
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.name = 'PartitionLimitError';
    this.errorCode = errorCode;
  }
}

export interface PartitionLimitsConfig {
  maxPartitionsPerTopic: number;
  maxPartitionsPerBroker: number;
}

export class PartitionLimits {
  readonly #config: PartitionLimitsConfig;
  readonly #existing: () => number;
  /** Partitions of creations under way, which the log does not count yet. */
  #reserved = 0;

  /** `existing` counts the partitions the broker has now. */
  constructor(config: PartitionLimitsConfig, existing: () => number) {
    this.#config = config;
    this.#existing = existing;
  }

  /** The error a topic of `topicPartitions`, adding `added` partitions to the broker, meets; or null. */
  check(topicPartitions: number, added: number): PartitionLimitError | null {
    const { maxPartitionsPerTopic, maxPartitionsPerBroker } = this.#config;
    if (topicPartitions > maxPartitionsPerTopic) {
      return new PartitionLimitError(
        ErrorCode.INVALID_PARTITIONS,
        `${topicPartitions} partitions exceed the broker's maxPartitionsPerTopic of ${maxPartitionsPerTopic}`,
      );
    }
    const current = this.#existing() + this.#reserved;
    if (current + added > maxPartitionsPerBroker) {
      return new PartitionLimitError(
        ErrorCode.POLICY_VIOLATION,
        `${added} more partitions would bring the broker to ${current + added}, over its maxPartitionsPerBroker of ${maxPartitionsPerBroker}`,
      );
    }
    return null;
  }

  /**
   * Runs `create` with `added` partitions held against the broker limit, so creations running at the
   * same time cannot pass it together. Throws the PartitionLimitError instead when a limit is met.
   */
  async reserve<T>(topicPartitions: number, added: number, create: () => Promise<T>): Promise<T> {
    const error = this.check(topicPartitions, added);
    if (error) throw error;
    this.#reserved += added;
    try {
      return await create();
    } finally {
      this.#reserved -= added;
    }
  }
}
