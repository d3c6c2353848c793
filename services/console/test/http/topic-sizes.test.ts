// Topic sizes in the cluster and topic API: bytes per partition and per topic from DescribeLogDirs, and
// "unknown" with the reason when the cluster does not serve it (ACLs that deny it, an older broker without
// the API).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
} from '@platformatic/kafka';
import { type Broker, startBroker } from '@tributary/broker';
import type { App } from '@tributary/service-kit';
import { pino } from 'pino';
import { buildConsoleApp } from '../../src/app.ts';
import { useConsole } from '../support/console-fixture.ts';
import { type OldBrokerProxy, oldBrokerProxy } from '../support/old-broker-proxy.ts';

const fx = useConsole();

interface TopicBody {
  size: number | null;
  sizeUnknownReason: string | null;
  partitions: { partition: number; size: number | null; messages: number }[];
}

describe('topic sizes', { timeout: 120_000 }, () => {
  before(async () => {
    await fx.context.cluster.createTopic('sized', 2);
  });

  it('shows each partition and the topic growing in bytes as records arrive', async () => {
    const empty = (await fx.app.inject('/api/topics/sized')).json() as TopicBody;
    assert.equal(empty.sizeUnknownReason, null);
    assert.deepEqual(
      empty.partitions.map((p) => p.size),
      [0, 0],
    );
    assert.equal(empty.size, 0);
    await fx.context.cluster.produce(
      Array.from({ length: 20 }, () => ({
        topic: 'sized',
        partition: 1,
        key: 'k',
        value: Buffer.alloc(500, 'v'),
        headers: {},
      })),
    );
    const body = (await fx.app.inject('/api/topics/sized')).json() as TopicBody;
    const [p0, p1] = body.partitions.map((p) => p.size ?? -1);
    assert.equal(p0, 0);
    assert.ok(p1 > 20 * 500, `partition 1 holds 20 records of 500 bytes: ${p1}`);
    assert.equal(body.size, p1);
    const cluster = (await fx.app.inject('/api/cluster')).json() as {
      sizeUnknownReason: string | null;
      topics: { name: string; size: number | null }[];
    };
    assert.equal(cluster.sizeUnknownReason, null);
    assert.equal(cluster.topics.find((t) => t.name === 'sized')?.size, p1);
  });

  describe('on a cluster whose ACLs deny DESCRIBE on the cluster to the console', () => {
    let broker: Broker;
    let app: App;
    before(async () => {
      broker = await startBroker({
        port: 0,
        dataDir: join(fx.dataDir, 'acl-broker'),
        logger: pino({ level: 'silent' }),
        authorizer: 'acl',
        allowEveryoneIfNoAclFound: true,
      });
      const admin = new Admin({ clientId: 'acl-setup', bootstrapBrokers: [broker.address] });
      try {
        await admin.createTopics({ topics: ['guarded'], partitions: 1, replicas: 1 });
        await admin.createAcls({
          creations: [
            {
              resourceType: ResourceTypes.CLUSTER,
              resourceName: 'kafka-cluster',
              resourcePatternType: ResourcePatternTypes.LITERAL,
              principal: 'User:ANONYMOUS',
              host: '*',
              operation: AclOperations.DESCRIBE,
              permissionType: AclPermissionTypes.DENY,
            },
          ],
        });
      } finally {
        await admin.close();
      }
      ({ app } = await buildConsoleApp({
        brokers: [broker.address],
        logger: pino({ level: 'silent' }),
        ui: fx.ui,
      }));
    });
    after(async () => {
      await app?.close();
      await broker?.stop();
    });

    it('says the size is unknown because of the authorization, and shows the rest', async () => {
      const res = await app.inject('/api/topics/guarded');
      assert.equal(res.statusCode, 200);
      const body = res.json() as TopicBody;
      assert.equal(body.size, null);
      assert.match(body.sizeUnknownReason ?? '', /authoriz/i);
      assert.deepEqual(
        body.partitions.map((p) => [p.size, p.messages]),
        [[null, 0]],
      );
    });
  });

  describe('on a cluster without DescribeLogDirs', () => {
    let proxy: OldBrokerProxy;
    let app: App;
    before(async () => {
      proxy = await oldBrokerProxy(fx.broker.port, [35]);
      ({ app } = await buildConsoleApp({
        brokers: [proxy.address],
        logger: pino({ level: 'silent' }),
        ui: fx.ui,
      }));
    });
    after(async () => {
      await app?.close();
      await proxy?.close();
    });

    it('says the size is unknown and why, and still shows offsets and messages', async () => {
      const res = await app.inject('/api/topics/sized');
      assert.equal(res.statusCode, 200);
      const body = res.json() as TopicBody;
      assert.equal(body.size, null);
      assert.match(body.sizeUnknownReason ?? '', /DescribeLogDirs/);
      assert.deepEqual(
        body.partitions.map((p) => [p.size, p.messages]),
        [
          [null, 0],
          [null, 20],
        ],
      );
      const cluster = (await app.inject('/api/cluster')).json() as {
        sizeUnknownReason: string | null;
        topics: { name: string; size: number | null; messages: number }[];
      };
      assert.match(cluster.sizeUnknownReason ?? '', /DescribeLogDirs/);
      assert.deepEqual(
        cluster.topics.filter((t) => t.name === 'sized').map((t) => [t.size, t.messages]),
        [[null, 20]],
      );
    });
  });
});
