// Settings shared by the Kafka transport's clients.
import type { KafkaSecurity } from './kafka-security.ts';

export interface KafkaTransportOptions {
  /** `host:port` of the bootstrap brokers. */
  brokers: string[];
  clientId?: string;
  /** Consumer group session timeout (default 10 s). */
  sessionTimeoutMs?: number;
  /** Heartbeat interval (default 1 s). */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin (default 10 s). */
  rebalanceTimeoutMs?: number;
  /** Fetch long-poll wait (default 500 ms); also bounds how long closing a consumer takes. */
  maxWaitTimeMs?: number;
  /**
   * Most record bytes of one partition a fetch asks for (Kafka's max.partition.fetch.bytes; a larger first
   * batch still comes whole). Default 512 KiB over TLS, 1 MiB without: @platformatic/kafka parses a
   * partition's records more slowly the more pieces they arrive in, and TLS delivers them in 16 KiB pieces.
   */
  fetchPartitionMaxBytes?: number;
  /** Per-request timeout (default 5 s). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Retries inside the client for one request (default 1); the publish policy retries on top. */
  clientRetries?: number;
  clientRetryDelayMs?: number;
  /** Replication factor of topics this transport creates (default -1: the cluster's default, KIP-464). */
  replicationFactor?: number;
  /** Consecutive stream failures after which a consumer's client is replaced (default 3). */
  consumerRecreateAfterFailures?: number;
  /** SASL and TLS of every connection (default plaintext, unauthenticated). */
  security?: KafkaSecurity;
}

export type KafkaClientSettings = Required<Omit<KafkaTransportOptions, 'security'>> & {
  security: KafkaSecurity | undefined;
};

export function kafkaClientSettings(options: KafkaTransportOptions): KafkaClientSettings {
  return {
    brokers: options.brokers,
    clientId: options.clientId ?? 'tributary',
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 10_000,
    maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
    fetchPartitionMaxBytes:
      options.fetchPartitionMaxBytes ?? (options.security?.tls === undefined ? 1024 * 1024 : 512 * 1024),
    requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    clientRetries: options.clientRetries ?? 1,
    clientRetryDelayMs: options.clientRetryDelayMs ?? 100,
    replicationFactor: options.replicationFactor ?? -1,
    consumerRecreateAfterFailures: Math.max(1, options.consumerRecreateAfterFailures ?? 3),
    security: options.security,
  };
}
