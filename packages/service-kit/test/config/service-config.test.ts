import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, serviceConfigSchema } from '../../src/index.ts';

describe('serviceConfigSchema', () => {
  const schema = serviceConfigSchema({ port: 5001, dataDir: './.data/x', schema: 'x' });

  test('creates topics with 3 partitions and the cluster default replication (-1) unless configured', () => {
    const config = loadConfig(schema, {});
    assert.deepEqual([config.KAFKA_TOPIC_PARTITIONS, config.KAFKA_REPLICATION_FACTOR], [3, -1]);
    const configured = loadConfig(schema, { KAFKA_TOPIC_PARTITIONS: '12', KAFKA_REPLICATION_FACTOR: '3' });
    assert.deepEqual([configured.KAFKA_TOPIC_PARTITIONS, configured.KAFKA_REPLICATION_FACTOR], [12, 3]);
  });

  test('refuses a replication factor of 0 and a partition count below 1', () => {
    assert.throws(
      () => loadConfig(schema, { KAFKA_TOPIC_PARTITIONS: '0', KAFKA_REPLICATION_FACTOR: '0' }),
      (error) =>
        error instanceof ConfigError &&
        error.issues.map((issue) => issue.name).join(',') ===
          'KAFKA_TOPIC_PARTITIONS,KAFKA_REPLICATION_FACTOR',
    );
  });

  test("takes PGlite's buffer pool size from 1 to 1024 MiB, unset by default, and names a bad one", () => {
    assert.equal(loadConfig(schema, {}).PGLITE_SHARED_BUFFERS_MB, undefined);
    assert.equal(loadConfig(schema, { PGLITE_SHARED_BUFFERS_MB: '64' }).PGLITE_SHARED_BUFFERS_MB, 64);
    for (const bad of ['0', '2048', '1.5', 'lots']) {
      assert.throws(
        () => loadConfig(schema, { PGLITE_SHARED_BUFFERS_MB: bad }),
        (error) =>
          error instanceof ConfigError &&
          error.issues.map((issue) => issue.name).join(',') === 'PGLITE_SHARED_BUFFERS_MB',
        bad,
      );
    }
  });

  test('takes the W3C propagators and refuses others, saying what is supported', () => {
    assert.equal(
      loadConfig(schema, { OTEL_PROPAGATORS: 'tracecontext, baggage' }).OTEL_PROPAGATORS,
      'tracecontext, baggage',
    );
    assert.throws(
      () => loadConfig(schema, { OTEL_PROPAGATORS: 'tracecontext,b3' }),
      (error) =>
        error instanceof ConfigError &&
        error.issues.length === 1 &&
        error.issues[0]!.name === 'OTEL_PROPAGATORS' &&
        error.message.includes('the W3C propagators; others are not supported'),
    );
  });
});
