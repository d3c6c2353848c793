// Reads a topic from its first to its current last record with a throwaway consumer group (dead-letter
// inspection and redrive; a topic cannot be read without a group through this client).
import { Consumer, type Message, stringDeserializer } from '@platformatic/kafka';
import { TransportUnavailableError } from '../errors.ts';
import type { TransportRecord } from '../ports/transport.ts';
import { clientSecurityOptions } from './kafka-security.ts';
import type { KafkaClientSettings } from './kafka-settings.ts';

const READ_TIMEOUT_MS = 15_000;

type KafkaMessage = Message<string | undefined, Buffer | undefined, string, string>;

export async function readWholeTopic(
  settings: KafkaClientSettings,
  topic: string,
  groupId: string,
): Promise<TransportRecord[]> {
  const consumer = new Consumer<string | undefined, Buffer | undefined, string, string>({
    clientId: `${settings.clientId}-reader`,
    groupId,
    bootstrapBrokers: settings.brokers,
    ...clientSecurityOptions(settings.security),
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    rebalanceTimeout: settings.rebalanceTimeoutMs,
    timeout: settings.requestTimeoutMs,
    maxWaitTime: Math.min(settings.maxWaitTimeMs, 200),
    maxBytesPerPartition: settings.fetchPartitionMaxBytes,
    autocommit: false,
    deserializers: {
      key: (data) => (data === undefined ? undefined : stringDeserializer(data)),
      headerKey: (data) => stringDeserializer(data) ?? '',
      headerValue: (data) => stringDeserializer(data) ?? '',
    },
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
    const remaining = new Map<number, bigint>();
    ends.forEach((end, partition) => {
      if (end > (starts[partition] ?? 0n)) remaining.set(partition, end);
    });
    if (remaining.size === 0) return [];
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const records: TransportRecord[] = [];
    const deadline = setTimeout(() => stream.close().catch(() => {}), READ_TIMEOUT_MS);
    try {
      for await (const message of stream as AsyncIterable<KafkaMessage>) {
        const end = remaining.get(message.partition);
        if (end === undefined || message.offset >= end) continue;
        records.push({
          topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key ?? null,
          value: message.value ?? null,
          headers: Object.fromEntries(message.headers),
          timestamp: Number(message.timestamp),
        });
        if (message.offset + 1n >= end) remaining.delete(message.partition);
        if (remaining.size === 0) break;
      }
    } finally {
      clearTimeout(deadline);
      await stream.close();
    }
    if (remaining.size > 0) {
      throw new TransportUnavailableError(`could not read ${topic} to its end within ${READ_TIMEOUT_MS} ms`);
    }
    return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
  } finally {
    await consumer.close(true);
  }
}
