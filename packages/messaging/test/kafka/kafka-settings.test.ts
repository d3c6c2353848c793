// The fetch size the transport's consumers ask for: smaller over TLS, where @platformatic/kafka parses a
// partition's records from 16 KiB pieces, and what the caller sets when it sets one.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { kafkaClientSettings } from '../../src/kafka/kafka-settings.ts';

it('asks for at most 1 MiB of a partition per fetch without TLS and 512 KiB over TLS', () => {
  assert.equal(kafkaClientSettings({ brokers: ['b:9092'] }).fetchPartitionMaxBytes, 1024 * 1024);
  assert.equal(
    kafkaClientSettings({ brokers: ['b:9092'], security: { sasl: undefined, tls: {} } })
      .fetchPartitionMaxBytes,
    512 * 1024,
  );
});

it('asks for the fetch size the caller sets, over TLS or not', () => {
  for (const security of [undefined, { tls: {} }])
    assert.equal(
      kafkaClientSettings({ brokers: ['b:9092'], security, fetchPartitionMaxBytes: 64 * 1024 })
        .fetchPartitionMaxBytes,
      64 * 1024,
    );
});
