// Topic and broker configs through the admin clients people use: kafkajs (DescribeConfigs, AlterConfigs)
// and @platformatic/kafka (DescribeConfigs v4, AlterConfigs, IncrementalAlterConfigs), over TCP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Admin,
  ConfigResourceTypes,
  ConfigSources,
  IncrementalAlterConfigOperationTypes,
  Producer,
  stringSerializers,
} from '@platformatic/kafka';
import kafkajs, { Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { RawClient } from '../support/raw-client.ts';
import { kafkaErrorCodes } from './kafka-error-codes.ts';

const TOPIC = ConfigResourceTypes.TOPIC;
const BROKER = ConfigResourceTypes.BROKER;
// kafkajs is CommonJS: its enums are not named exports under ESM.
const KjsResourceTypes = kafkajs.ConfigResourceTypes;

function platformaticAdmin(fixture: BrokerFixture) {
  return new Admin({ clientId: 'configs-admin', bootstrapBrokers: [fixture.broker.address], retries: 0 });
}

describe('topic and broker configs', () => {
  let fixture: BrokerFixture;
  let admin: Admin;
  let kafka: Kafka;
  before(async () => {
    fixture = await brokerFixture({ retentionMs: 3_600_000, segmentBytes: 1024 * 1024 });
    admin = platformaticAdmin(fixture);
    kafka = new Kafka({
      clientId: 'configs-kjs',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
  });
  after(async () => {
    await admin?.close();
    await fixture?.stop();
  });

  const describeTopic = async (name: string, keys?: string[]) => {
    const [result] = await admin.describeConfigs({
      resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    return new Map(result.configs.map((c) => [c.name, c]));
  };

  it('describes a topic config with its source: a topic override, the broker setting, or the default', async () => {
    await admin.createTopics({
      topics: ['cfg-describe'],
      partitions: 1,
      replicas: 1,
      configs: [{ name: 'retention.bytes', value: '5000000' }],
    });
    const configs = await describeTopic('cfg-describe');
    const retentionBytes = configs.get('retention.bytes');
    assert.equal(retentionBytes?.value, '5000000');
    assert.equal(retentionBytes?.configSource, ConfigSources.TOPIC_CONFIG);
    assert.equal(retentionBytes?.readOnly, false);
    assert.deepEqual(
      retentionBytes?.synonyms.map((s) => [s.name, s.source]),
      [
        ['retention.bytes', ConfigSources.TOPIC_CONFIG],
        ['log.retention.bytes', ConfigSources.DEFAULT_CONFIG],
      ],
    );
    const retentionMs = configs.get('retention.ms');
    assert.equal(retentionMs?.value, '3600000', 'the broker setting the topic falls back to');
    assert.equal(retentionMs?.configSource, ConfigSources.STATIC_BROKER_CONFIG);
    assert.equal(configs.get('segment.bytes')?.value, String(1024 * 1024));
    assert.equal(configs.get('max.message.bytes')?.configSource, ConfigSources.DEFAULT_CONFIG);
    const compression = configs.get('compression.type');
    assert.equal(compression?.value, 'producer');
    assert.equal(compression?.readOnly, true, 'what the broker cannot change is read-only');
    assert.ok(configs.get('cleanup.policy')?.documentation, 'documentation when asked for');

    const only = await describeTopic('cfg-describe', ['retention.ms', 'no.such.config']);
    assert.deepEqual([...only.keys()], ['retention.ms'], 'only the keys asked for, unknown ones left out');
  });

  it('describes the broker settings, only the dynamic topic defaults changeable, and refuses another broker id', async () => {
    const [broker] = await admin.describeConfigs({
      resources: [{ resourceType: BROKER, resourceName: '1' }],
    });
    const configs = new Map(broker.configs.map((c) => [c.name, c]));
    assert.equal(configs.get('log.retention.ms')?.value, '3600000');
    assert.equal(configs.get('log.retention.ms')?.configSource, ConfigSources.STATIC_BROKER_CONFIG);
    assert.equal(configs.get('num.partitions')?.configSource, ConfigSources.DEFAULT_CONFIG);
    const changeable = [...configs.values()].filter((c) => !c.readOnly).map((c) => c.name);
    assert.deepEqual(changeable.sort(), [
      'log.retention.bytes',
      'log.retention.ms',
      'log.segment.bytes',
      'message.max.bytes',
    ]);

    // A client routes a broker resource to that broker; sent here anyway, Kafka's answer is INVALID_REQUEST.
    const raw = await RawClient.connect(fixture.broker.port);
    try {
      const res = await raw.request(32, 4, {
        resources: [{ resourceType: BROKER, resourceName: '7', configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
      assert.equal(res.results[0].errorCode, 42);
      assert.match(res.results[0].errorMessage ?? '', /broker 1/);
    } finally {
      raw.close();
    }
    await assert.rejects(
      admin.alterConfigs({
        resources: [
          { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '5' }] },
        ],
      }),
      (err) => kafkaErrorCodes(err).includes(40),
      'a setting that is not dynamic is fixed at start: INVALID_CONFIG',
    );
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist', async () => {
    await assert.rejects(describeTopic('cfg-missing'), (err) => kafkaErrorCodes(err).includes(3));
  });

  it('alters topic configs incrementally, keeps them across a restart, and applies max.message.bytes', async () => {
    await admin.createTopics({ topics: ['cfg-alter'], partitions: 1, replicas: 1 });
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'cfg-alter',
          configs: [
            {
              name: 'max.message.bytes',
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: '2000',
            },
            {
              name: 'retention.ms',
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: '60000',
            },
          ],
        },
      ],
    });
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: TOPIC,
          resourceName: 'cfg-alter',
          configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.DELETE }],
        },
      ],
    });
    const producer = new Producer({
      clientId: 'configs-producer',
      bootstrapBrokers: [fixture.broker.address],
      serializers: stringSerializers,
      retries: 0,
    });
    try {
      await producer.send({ messages: [{ topic: 'cfg-alter', value: 'small' }] });
      await assert.rejects(
        producer.send({ messages: [{ topic: 'cfg-alter', value: 'x'.repeat(5000) }] }),
        (err) => kafkaErrorCodes(err).includes(10),
        'a batch above the topic max.message.bytes is MESSAGE_TOO_LARGE',
      );
    } finally {
      await producer.close();
    }

    await admin.close();
    await fixture.restart();
    admin = platformaticAdmin(fixture);
    const configs = await describeTopic('cfg-alter');
    assert.equal(configs.get('max.message.bytes')?.value, '2000');
    assert.equal(configs.get('max.message.bytes')?.configSource, ConfigSources.TOPIC_CONFIG);
    assert.equal(
      configs.get('retention.ms')?.configSource,
      ConfigSources.STATIC_BROKER_CONFIG,
      'deleted override',
    );
  });

  it('refuses invalid, unknown and read-only changes with INVALID_CONFIG and changes nothing', async () => {
    await admin.createTopics({ topics: ['cfg-bad'], partitions: 1, replicas: 1 });
    const attempt = (name: string, value: string) =>
      admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: TOPIC,
            resourceName: 'cfg-bad',
            configs: [{ name, configOperation: IncrementalAlterConfigOperationTypes.SET, value }],
          },
        ],
      });
    for (const [name, value] of [
      ['retention.ms', 'soon'],
      ['segment.bytes', '10'],
      ['no.such.config', '1'],
      ['cleanup.policy', 'compact'],
    ]) {
      await assert.rejects(
        attempt(name, value),
        (err) => kafkaErrorCodes(err).includes(40),
        `${name}=${value}`,
      );
    }
    await assert.rejects(
      admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: TOPIC,
            resourceName: 'cfg-bad',
            configs: [
              {
                name: 'cleanup.policy',
                configOperation: IncrementalAlterConfigOperationTypes.APPEND,
                value: 'compact',
              },
            ],
          },
        ],
      }),
      (err) => kafkaErrorCodes(err).includes(40),
    );
    const configs = await describeTopic('cfg-bad');
    assert.ok([...configs.values()].every((c) => c.configSource !== ConfigSources.TOPIC_CONFIG));
  });

  it('changes topic defaults for every broker and for this one, which topics fall back to, across a restart', async (t) => {
    await admin.createTopics({ topics: ['cfg-dynamic'], partitions: 1, replicas: 1 });
    // Clients route a broker resource to the broker it names, and platformatic cannot name the
    // cluster-wide default (''); Java's AdminClient sends it to any broker, as the raw client does here.
    const raw = await RawClient.connect(fixture.broker.port);
    t.after(() => raw.close());
    const setClusterWide = async (configs: Record<string, string>) => {
      const res = await raw.request(44, 1, {
        resources: [
          {
            resourceType: BROKER,
            resourceName: '',
            configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: 0, value })),
          },
        ],
        validateOnly: false,
      });
      return res.responses[0].errorCode;
    };
    assert.equal(await setClusterWide({ 'log.retention.bytes': '7000000', 'message.max.bytes': '1500' }), 0);
    assert.equal(await setClusterWide({ 'log.segment.bytes': '12' }), 40, 'below the smallest segment');
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: BROKER,
          resourceName: '1',
          configs: [
            {
              name: 'log.retention.bytes',
              configOperation: IncrementalAlterConfigOperationTypes.SET,
              value: '8000000',
            },
          ],
        },
      ],
    });

    const check = async () => {
      const configs = await describeTopic('cfg-dynamic');
      const retention = configs.get('retention.bytes');
      assert.equal(retention?.value, '8000000', "this broker's setting wins over the cluster-wide one");
      assert.equal(retention?.configSource, ConfigSources.DYNAMIC_BROKER_CONFIG);
      assert.deepEqual(
        retention?.synonyms.map((s) => [s.value, s.source]),
        [
          ['8000000', ConfigSources.DYNAMIC_BROKER_CONFIG],
          ['7000000', ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG],
          ['-1', ConfigSources.DEFAULT_CONFIG],
        ],
      );
      assert.equal(
        configs.get('max.message.bytes')?.configSource,
        ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG,
      );
      const described = await RawClient.connect(fixture.broker.port);
      try {
        const res = await described.request(32, 4, {
          resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }],
          includeSynonyms: false,
          includeDocumentation: false,
        });
        assert.deepEqual(
          res.results[0].configs.map((c) => [c.name, c.value, c.configSource]),
          [
            ['log.retention.bytes', '7000000', ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG],
            ['message.max.bytes', '1500', ConfigSources.DYNAMIC_DEFAULT_BROKER_CONFIG],
          ],
          'the cluster-wide resource lists what was set there',
        );
      } finally {
        described.close();
      }
    };
    await check();
    const producer = new Producer({
      clientId: 'configs-dynamic-producer',
      bootstrapBrokers: [fixture.broker.address],
      serializers: stringSerializers,
      retries: 0,
    });
    try {
      await assert.rejects(
        producer.send({ messages: [{ topic: 'cfg-dynamic', value: 'x'.repeat(3000) }] }),
        (err) => kafkaErrorCodes(err).includes(10),
        'the cluster-wide message.max.bytes applies to a topic without its own',
      );
    } finally {
      await producer.close();
    }
    await admin.close();
    await fixture.restart();
    admin = platformaticAdmin(fixture);
    await check();
    // Back to the flags given at start, so that later tests see them.
    const reconnected = await RawClient.connect(fixture.broker.port);
    try {
      const cleared = await reconnected.request(33, 2, {
        resources: [{ resourceType: BROKER, resourceName: '', configs: [] }],
        validateOnly: false,
      });
      assert.equal(cleared.responses[0].errorCode, 0);
    } finally {
      reconnected.close();
    }
    await admin.alterConfigs({ resources: [{ resourceType: BROKER, resourceName: '1', configs: [] }] });
    assert.equal(
      (await describeTopic('cfg-dynamic')).get('retention.bytes')?.configSource,
      ConfigSources.DEFAULT_CONFIG,
    );
  });

  it('kafkajs: alterConfigs replaces the overrides, validateOnly changes nothing, describeConfigs reads them', async () => {
    const kadmin = kafka.admin();
    await kadmin.connect();
    try {
      await kadmin.createTopics({
        topics: [
          {
            topic: 'cfg-kjs',
            numPartitions: 1,
            configEntries: [{ name: 'retention.bytes', value: '9000000' }],
          },
        ],
      });
      await kadmin.alterConfigs({
        validateOnly: true,
        resources: [
          {
            type: KjsResourceTypes.TOPIC,
            name: 'cfg-kjs',
            configEntries: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
      });
      await kadmin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: KjsResourceTypes.TOPIC,
            name: 'cfg-kjs',
            configEntries: [{ name: 'segment.bytes', value: '65536' }],
          },
        ],
      });
      const described = await kadmin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: KjsResourceTypes.TOPIC,
            name: 'cfg-kjs',
            configNames: ['retention.ms', 'retention.bytes', 'segment.bytes'],
          },
        ],
      });
      const entries = new Map(described.resources[0].configEntries.map((e) => [e.configName, e]));
      assert.equal(entries.get('retention.ms')?.configValue, '3600000', 'validateOnly changed nothing');
      assert.equal(entries.get('retention.bytes')?.configValue, '-1', 'AlterConfigs replaced the whole set');
      assert.equal(entries.get('segment.bytes')?.configValue, '65536');
      await assert.rejects(
        kadmin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: KjsResourceTypes.TOPIC,
              name: 'cfg-kjs',
              configEntries: [{ name: 'retention.ms', value: '-5' }],
            },
          ],
        }),
        (err: Error & { type?: string }) => err.type === 'INVALID_CONFIG',
      );
    } finally {
      await kadmin.disconnect();
    }
  });
});

describe('message.timestamp.type', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({ logAppendTime: true });
  });
  after(() => fixture?.stop());

  it("a topic's own setting wins over the broker's, as DescribeConfigs reports it", async () => {
    const kafka = new Kafka({
      clientId: 'ts-kjs',
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
    });
    const kadmin = kafka.admin();
    const producer = kafka.producer();
    await kadmin.connect();
    await producer.connect();
    try {
      await kadmin.createTopics({
        topics: [
          {
            topic: 'ts-own',
            numPartitions: 1,
            configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }],
          },
          { topic: 'ts-broker', numPartitions: 1 },
        ],
      });
      const described = await kadmin.describeConfigs({
        includeSynonyms: false,
        resources: ['ts-own', 'ts-broker'].map((name) => ({
          type: KjsResourceTypes.TOPIC,
          name,
          configNames: ['message.timestamp.type'],
        })),
      });
      const values = described.resources.map((r) => r.configEntries[0].configValue);
      assert.deepEqual(values, ['CreateTime', 'LogAppendTime']);
      const send = async (topic: string) =>
        (await producer.send({ topic, acks: -1, messages: [{ value: 'v', timestamp: '1000' }] }))[0]
          .logAppendTime;
      assert.equal(await send('ts-own'), '-1', 'CreateTime: the producer timestamp is kept');
      assert.notEqual(await send('ts-broker'), '-1', 'LogAppendTime from the broker');
    } finally {
      await producer.disconnect();
      await kadmin.disconnect();
    }
  });
});
