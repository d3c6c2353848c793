// The ACL authorizer seen by real clients over SASL SCRAM: kafkajs creates, describes and deletes ACLs as a
// super user; other users produce, consume and list topics only as their ACLs allow (literal, prefixed,
// DENY over ALLOW), refusals carry Kafka's error codes and one log line without secrets, and the ACLs
// survive a restart.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import {
  AclOperation as AclOperationTypes,
  AclPermission as AclPermissionTypes,
  ResourceType as AclResourceTypes,
  PatternType as ResourcePatternTypes,
} from '../../src/security/acl.ts';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';
import { capturedLogger } from '../support/captured-logger.ts';
import { kcat } from '../support/kcat.ts';

const USERS = 'admin:admin-pw,alice:alice-pw-1,bob:bob-pw-2,carol:carol-pw-3';

function client(fixture: BrokerFixture, user: string) {
  const password = USERS.split(',')
    .find((e) => e.startsWith(`${user}:`))
    ?.slice(user.length + 1) as string;
  return new Kafka({
    clientId: `acl-${user}`,
    brokers: [fixture.broker.address],
    sasl: { mechanism: 'scram-sha-256', username: user, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50 },
  });
}

// Kafka's codes (kafkajs's enums hold the same numbers; a CommonJS module, it cannot be imported by name).
const acl = (
  principal: string,
  resourceType: number,
  resourceName: string,
  operation: number,
  permissionType: number = AclPermissionTypes.ALLOW,
  resourcePatternType: number = ResourcePatternTypes.LITERAL,
) => ({ principal, resourceType, resourceName, resourcePatternType, operation, permissionType, host: '*' });

/** What a kafkajs call failed with: the Kafka error type, or the message. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const e = err as { type?: string; message: string; cause?: { type?: string } };
    return e.type ?? e.cause?.type ?? e.message;
  }
  return 'succeeded';
}

describe('ACL authorization (authorizer acl, SASL SCRAM)', () => {
  let fixture: BrokerFixture;
  let log: ReturnType<typeof capturedLogger>;
  const admins: { disconnect(): Promise<void> }[] = [];

  before(async () => {
    log = capturedLogger();
    fixture = await brokerFixture({
      logger: log.logger,
      saslMechanisms: 'SCRAM-SHA-256',
      saslUsers: USERS,
      authorizer: 'acl',
      superUsers: 'User:admin',
      defaultPartitions: 1,
    });
    const admin = client(fixture, 'admin').admin();
    admins.push(admin);
    await admin.connect();
    await admin.createTopics({
      topics: ['orders', 'payments-eu', 'payments-us', 'secret'].map((topic) => ({ topic })),
    });
    await admin.createAcls({
      acl: [
        acl('User:alice', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.WRITE),
        acl('User:alice', AclResourceTypes.TOPIC, 'orders', AclOperationTypes.READ),
        acl(
          'User:alice',
          AclResourceTypes.GROUP,
          'alice-',
          AclOperationTypes.READ,
          undefined,
          ResourcePatternTypes.PREFIXED,
        ),
        acl(
          'User:bob',
          AclResourceTypes.TOPIC,
          'payments-',
          AclOperationTypes.ALL,
          undefined,
          ResourcePatternTypes.PREFIXED,
        ),
        acl(
          'User:bob',
          AclResourceTypes.TOPIC,
          'payments-eu',
          AclOperationTypes.WRITE,
          AclPermissionTypes.DENY,
        ),
      ],
    });
  });
  after(async () => {
    for (const a of admins) await a.disconnect();
    await fixture?.stop();
  });

  it('lets alice produce and consume her topic, and refuses bob with TOPIC_AUTHORIZATION_FAILED', async (t) => {
    const alice = client(fixture, 'alice');
    const producer = alice.producer();
    const consumer = alice.consumer({ groupId: 'alice-orders' });
    const bobProducer = client(fixture, 'bob').producer();
    t.after(async () => {
      await producer.disconnect();
      await consumer.disconnect();
      await bobProducer.disconnect();
    });
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ key: 'o1', value: 'first order' }] });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const values: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(String(message.value));
      },
    });
    await eventually(() => values.length === 1, 30_000, 'alice consumes her order');
    assert.deepEqual(values, ['first order']);

    await bobProducer.connect();
    assert.equal(
      await failure(bobProducer.send({ topic: 'orders', messages: [{ value: 'not bob' }] })),
      'TOPIC_AUTHORIZATION_FAILED',
    );
    const line = log.lines.find(
      (l) => l.includes('authorization refused') && l.includes('User:bob') && l.includes('TOPIC:orders'),
    );
    assert.ok(line, 'the refusal is logged with principal and resource');
    assert.ok(!log.lines.some((l) => /bob-pw-2|alice-pw-1|admin-pw/.test(l)), 'no password in the log');
  });

  it('applies a prefixed ACL, and a DENY wins over the ALLOW that covers the same topic', async (t) => {
    const producer = client(fixture, 'bob').producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 'payments-us', messages: [{ value: 'allowed by prefix' }] });
    assert.equal(
      await failure(producer.send({ topic: 'payments-eu', messages: [{ value: 'denied' }] })),
      'TOPIC_AUTHORIZATION_FAILED',
    );
    const admin = client(fixture, 'admin').admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('payments-eu');
    assert.equal(offsets[0].high, '0', 'nothing was appended to the denied topic');
  });

  it('lists only the topics each principal may describe', async (t) => {
    const alice = client(fixture, 'alice').admin();
    const bob = client(fixture, 'bob').admin();
    const carol = client(fixture, 'carol').admin();
    t.after(async () => {
      await alice.disconnect();
      await bob.disconnect();
      await carol.disconnect();
    });
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    assert.deepEqual((await alice.listTopics()).sort(), ['orders']);
    assert.deepEqual((await bob.listTopics()).sort(), ['payments-eu', 'payments-us']);
    assert.deepEqual(await carol.listTopics(), []);
  });

  it('creates no topic for a user without CREATE, even with auto-creation on', async (t) => {
    const admin = client(fixture, 'admin').admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    await admin.createAcls({
      acl: [acl('User:alice', AclResourceTypes.TOPIC, 'alice-new', AclOperationTypes.WRITE)],
    });
    const producer = client(fixture, 'alice').producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    assert.equal(
      await failure(producer.send({ topic: 'alice-new', messages: [{ value: 'x' }] })),
      'TOPIC_AUTHORIZATION_FAILED',
    );
    assert.ok(!(await admin.listTopics()).includes('alice-new'), 'the topic was not auto-created');
  });

  it('refuses ACL changes and listings to users without ALTER / DESCRIBE on the cluster', async (t) => {
    const alice = client(fixture, 'alice').admin();
    t.after(() => alice.disconnect());
    await alice.connect();
    assert.equal(
      await failure(
        alice.createAcls({
          acl: [acl('User:alice', AclResourceTypes.TOPIC, 'secret', AclOperationTypes.ALL)],
        }),
      ),
      'CLUSTER_AUTHORIZATION_FAILED',
    );
    assert.equal(
      await failure(
        alice.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      ),
      'CLUSTER_AUTHORIZATION_FAILED',
    );
  });

  it('describes ACLs with MATCH and ANY filters, and deletes them, as Kafka', async (t) => {
    const admin = client(fixture, 'admin').admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    // MATCH: every binding that applies to the topic payments-eu (the prefix and the literal DENY).
    const matched = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'payments-eu',
      resourcePatternType: ResourcePatternTypes.MATCH,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const seen = matched.resources
      .map((r) => `${r.resourcePatternType}:${r.resourceName}:${r.acls.map((a) => a.permissionType)}`)
      .sort();
    assert.deepEqual(seen, ['3:payments-eu:2', '4:payments-:3']);
    // LITERAL filter: only the exact literal binding.
    const literal = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: 'payments-eu',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    assert.equal(literal.resources.length, 1);

    // Deleting the DENY lets bob write payments-eu.
    const deleted = await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: 'payments-eu',
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: 'User:bob',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.DENY,
        },
      ],
    });
    assert.equal(deleted.filterResponses[0].matchingAcls.length, 1);
    const producer = client(fixture, 'bob').producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 'payments-eu', messages: [{ value: 'now allowed' }] });

    // Invalid bindings are refused one by one with INVALID_REQUEST.
    assert.equal(
      await failure(
        admin.createAcls({ acl: [acl('alice', AclResourceTypes.TOPIC, 'x', AclOperationTypes.READ)] }),
      ),
      'INVALID_REQUEST',
    );
  });

  it('refuses a consumer group the user may not READ with GROUP_AUTHORIZATION_FAILED', async (t) => {
    // DESCRIBE lets bob find the coordinator; joining needs READ.
    const admin = client(fixture, 'admin').admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    await admin.createAcls({
      acl: [acl('User:bob', AclResourceTypes.GROUP, 'bob-group', AclOperationTypes.DESCRIBE)],
    });
    const consumer = client(fixture, 'bob').consumer({ groupId: 'bob-group', retry: { retries: 0 } });
    t.after(() => consumer.disconnect());
    const crashed = new Promise<{ type?: string; message: string }>((resolve) => {
      consumer.on(consumer.events.CRASH, (e) =>
        resolve(e.payload.error as { type?: string; message: string }),
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topic: 'payments-us', fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} }).catch(() => {});
    const error = await crashed;
    assert.equal(error.type, 'GROUP_AUTHORIZATION_FAILED', error.message);
  });

  it('gives an idempotent producer a producer id only with WRITE on some topic', async (t) => {
    const alice = client(fixture, 'alice').producer({ idempotent: true });
    const carol = client(fixture, 'carol').producer({ idempotent: true });
    t.after(async () => {
      await alice.disconnect();
      await carol.disconnect();
    });
    await alice.connect();
    await alice.send({ topic: 'orders', messages: [{ value: 'idempotent' }] });
    const refused = failure(
      carol.connect().then(() => carol.send({ topic: 'orders', messages: [{ value: 'x' }] })),
    );
    assert.equal(await refused, 'CLUSTER_AUTHORIZATION_FAILED');
  });

  it('kcat (librdkafka) sees the refusal of a produce as a topic authorization failure', async () => {
    const result = await kcat(
      [
        '-b',
        fixture.broker.address,
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=SCRAM-SHA-256',
        '-X',
        'sasl.username=bob',
        '-X',
        'sasl.password=bob-pw-2',
        '-P',
        '-t',
        'orders',
      ],
      'from kcat\n',
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Topic authorization failed/i);
  });

  it('keeps the ACLs across a restart', async (t) => {
    await fixture.restart();
    const alice = client(fixture, 'alice').producer();
    const bob = client(fixture, 'bob').producer();
    t.after(async () => {
      await alice.disconnect();
      await bob.disconnect();
    });
    await alice.connect();
    await alice.send({ topic: 'orders', messages: [{ value: 'after restart' }] });
    await bob.connect();
    assert.equal(
      await failure(bob.send({ topic: 'orders', messages: [{ value: 'still not bob' }] })),
      'TOPIC_AUTHORIZATION_FAILED',
    );
  });

  it('a super user may do anything without an ACL', async (t) => {
    const admin = client(fixture, 'admin');
    const producer = admin.producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 'secret', messages: [{ value: 'admin writes' }] });
  });
});

describe('ACL APIs through @platformatic/kafka (flexible versions)', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({
      saslMechanisms: 'SCRAM-SHA-512',
      saslUsers: 'root:root-pw',
      authorizer: 'acl',
      superUsers: 'User:root',
    });
  });
  after(() => fixture?.stop());

  it('creates, describes and deletes ACLs with DescribeAcls, CreateAcls and DeleteAcls v3', async (t) => {
    const admin = new Admin({
      clientId: 'plt-acls',
      bootstrapBrokers: [fixture.broker.address],
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'root', password: 'root-pw' },
    });
    t.after(() => admin.close());
    const binding = {
      resourceType: AclResourceTypes.GROUP,
      resourceName: 'billing-',
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: 'User:billing',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    } as const;
    await admin.createAcls({ creations: [binding] });
    const filter = {
      resourceType: AclResourceTypes.ANY,
      resourceName: null,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: 'User:billing',
      host: null,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    } as const;
    const described = await admin.describeAcls({ filter });
    assert.deepEqual(
      described.map((r) => [r.resourceType, r.resourceName, r.resourcePatternType, r.acls.length]),
      [[AclResourceTypes.GROUP, 'billing-', ResourcePatternTypes.PREFIXED, 1]],
    );
    const deleted = await admin.deleteAcls({ filters: [filter] });
    assert.equal(deleted.length, 1);
    assert.deepEqual(await admin.describeAcls({ filter }), []);
  });
});

describe('ACL changes that cannot be stored', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({ authorizer: 'acl', superUsers: 'User:ANONYMOUS' });
  });
  after(() => fixture?.stop());

  it('answers UNKNOWN_SERVER_ERROR with the cause, keeps the connection and changes nothing', async (t) => {
    // A directory where the atomic write puts its temp file makes every write of acls.json fail.
    await mkdir(join(fixture.dataDir, 'acls.json.tmp'));
    const admin = new Kafka({
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    const created = await failure(
      admin.createAcls({ acl: [acl('User:a', AclResourceTypes.TOPIC, 't', AclOperationTypes.READ)] }),
    );
    assert.equal(created, 'UNKNOWN', "kafkajs's name for UNKNOWN_SERVER_ERROR (-1)");
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    assert.deepEqual(described.resources, [], 'nothing was created');
  });
});

describe('ACL hosts on a dual-stack listener', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture({
      host: '::',
      advertisedHost: '127.0.0.1',
      authorizer: 'acl',
      allowEveryoneIfNoAclFound: true,
    });
  });
  after(() => fixture?.stop());

  it('matches an IPv4 host entry for a client the socket reports as ::ffff:127.0.0.1', async (t) => {
    const kafka = new Kafka({
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer();
    t.after(async () => {
      await admin.disconnect();
      await producer.disconnect();
    });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'local-only' }] });
    const local = { ...acl('User:ANONYMOUS', AclResourceTypes.TOPIC, 'local-only', AclOperationTypes.ALL) };
    await admin.createAcls({ acl: [{ ...local, host: '127.0.0.1' }] });
    await producer.connect();
    await producer.send({ topic: 'local-only', messages: [{ value: 'from 127.0.0.1' }] });
  });
});

describe('ACL APIs without an authorizer', () => {
  let fixture: BrokerFixture;
  before(async () => {
    fixture = await brokerFixture();
  });
  after(() => fixture?.stop());

  it('answers SECURITY_DISABLED and lets every client do everything, as before', async (t) => {
    const kafka = new Kafka({
      brokers: [fixture.broker.address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    t.after(() => admin.disconnect());
    await admin.connect();
    assert.equal(
      await failure(
        admin.createAcls({ acl: [acl('User:a', AclResourceTypes.TOPIC, 't', AclOperationTypes.READ)] }),
      ),
      'SECURITY_DISABLED',
    );
    const producer = kafka.producer();
    t.after(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 'open', messages: [{ value: 'anyone' }] });
  });
});
