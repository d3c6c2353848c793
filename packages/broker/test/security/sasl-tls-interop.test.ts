// SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) over TLS with three independent clients (@platformatic/kafka,
// kafkajs, kcat/librdkafka), with certificates made for the test; refusals (wrong password, mechanism not
// enabled, requests before authentication, an expired session) and what the broker logs about them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture, eventually } from '../support/broker-fixture.ts';
import { capturedLogger } from '../support/captured-logger.ts';
import { kcat } from '../support/kcat.ts';
import { RawClient } from '../support/raw-client.ts';
import { type TestCertificates, testCertificates } from '../support/test-certificates.ts';

const USERS = 'alice:alice-secret,bob:b0b:with:colons';

describe('SASL over TLS', () => {
  let certs: TestCertificates;
  let fixture: BrokerFixture;
  let log: ReturnType<typeof capturedLogger>;

  before(async () => {
    certs = await testCertificates();
    log = capturedLogger();
    fixture = await brokerFixture({
      logger: log.logger,
      tlsCertFile: certs.certFile,
      tlsKeyFile: certs.keyFile,
      saslMechanisms: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      saslUsers: USERS,
    });
  });
  after(async () => {
    await fixture?.stop();
    await certs?.remove();
  });

  it('@platformatic/kafka produces and consumes with SCRAM-SHA-256', async (t) => {
    const common = {
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'alice', password: 'alice-secret' },
    };
    const producer = new Producer({
      ...common,
      clientId: 'scram-producer',
      serializers: stringSerializers,
      autocreateTopics: true,
    });
    const consumer = new Consumer({
      ...common,
      clientId: 'scram-consumer',
      groupId: 'scram-group',
      deserializers: stringDeserializers,
    });
    t.after(async () => {
      await producer.close();
      await consumer.close(true);
    });
    await producer.send({
      messages: Array.from({ length: 10 }, (_, i) => ({ topic: 'secure', key: `k${i}`, value: `v${i}` })),
    });
    const stream = await consumer.consume({ topics: ['secure'], mode: 'earliest' });
    const values: string[] = [];
    stream.on('data', (message) => values.push(message.value));
    await eventually(() => values.length >= 10, 30_000, 'ten records consumed');
    assert.deepEqual(values.sort(), Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
    await stream.close();
  });

  it('kafkajs produces and consumes with SCRAM-SHA-512', async (t) => {
    const kafka = new Kafka({
      clientId: 'kafkajs-scram',
      brokers: [fixture.broker.address],
      ssl: { ca: [certs.ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'bob', password: 'b0b:with:colons' },
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'kjs-scram' });
    t.after(async () => {
      await producer.disconnect();
      await consumer.disconnect();
    });
    await producer.connect();
    await producer.send({ topic: 'kjs-secure', messages: [{ key: 'a', value: 'over SCRAM-SHA-512' }] });
    await consumer.connect();
    await consumer.subscribe({ topic: 'kjs-secure', fromBeginning: true });
    const values: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(String(message.value));
      },
    });
    await eventually(() => values.length === 1, 30_000, 'the record consumed');
    assert.deepEqual(values, ['over SCRAM-SHA-512']);
  });

  it('kcat (librdkafka) produces and consumes with PLAIN', async () => {
    const security = [
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=alice-secret',
      '-X',
      `ssl.ca.location=${certs.caFile}`,
    ];
    const produced = await kcat(
      ['-b', fixture.broker.address, ...security, '-P', '-t', 'kcat-secure', '-K', ':'],
      'k1:one\nk2:two\n',
    );
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await kcat([
      '-b',
      fixture.broker.address,
      ...security,
      '-C',
      '-t',
      'kcat-secure',
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k=%s\n',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n').sort(), ['k1=one', 'k2=two']);
  });

  it('refuses a wrong password with SASL_AUTHENTICATION_FAILED and logs it without the password', async () => {
    const kafka = new Kafka({
      clientId: 'kafkajs-wrong',
      brokers: [fixture.broker.address],
      ssl: { ca: [certs.ca] },
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'not-the-password-42' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await assert.rejects(admin.connect(), /SASL SCRAM SHA256 authentication failed|invalid credentials/i);
    await admin.disconnect();
    const refusal = log.lines.find((l) => l.includes('SASL authentication failed') && l.includes('alice'));
    assert.ok(refusal, 'one log line names the refused user');
    assert.ok(!log.lines.some((l) => l.includes('not-the-password-42')), 'no password in the log');
    assert.ok(!log.lines.some((l) => l.includes('alice-secret')), 'no configured password in the log');
  });

  it('refuses kcat with a wrong PLAIN password', async () => {
    const result = await kcat([
      '-b',
      fixture.broker.address,
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=wrong',
      '-X',
      `ssl.ca.location=${certs.caFile}`,
      '-L',
      '-m',
      '5',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Authentication failed|SASL authentication error/i);
  });

  it('answers a mechanism that is not enabled with UNSUPPORTED_SASL_MECHANISM and the enabled ones', async (t) => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    t.after(() => client.close());
    const answer = await client.request(17, 1, { mechanism: 'GSSAPI' });
    assert.equal(answer.errorCode, 33);
    assert.deepEqual(answer.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    assert.ok(log.lines.some((l) => l.includes('mechanism not enabled') && l.includes('GSSAPI')));
  });

  it('lets an unauthenticated connection send only ApiVersions and the SASL requests', async (t) => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    t.after(() => client.close());
    const versions = await client.request(18, 0, {} as never);
    assert.equal(versions.errorCode, 0);
    await assert.rejects(client.request(3, 1, { topics: null } as never), /connection closed by the broker/);
    assert.ok(log.lines.some((l) => l.includes('API key 3 before SASL authentication')));
  });

  it('refuses a plaintext client on the TLS listener', async (t) => {
    const client = await RawClient.connect(fixture.broker.port);
    t.after(() => client.close());
    await assert.rejects(client.request(18, 0, {} as never), /connection closed by the broker/);
  });
});

describe('SASL session lifetime (KIP-368)', () => {
  let certs: TestCertificates;
  let fixture: BrokerFixture;

  before(async () => {
    certs = await testCertificates();
    fixture = await brokerFixture({
      tlsCertFile: certs.certFile,
      tlsKeyFile: certs.keyFile,
      saslMechanisms: 'PLAIN,SCRAM-SHA-512',
      saslUsers: USERS,
      saslSessionLifetimeMs: 1500,
    });
  });
  after(async () => {
    await fixture?.stop();
    await certs?.remove();
  });

  it('tells the lifetime, serves until it ends, then disconnects a client that did not re-authenticate', async (t) => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    t.after(() => client.close());
    assert.equal((await client.request(17, 1, { mechanism: 'PLAIN' })).errorCode, 0);
    const auth = await client.request(36, 1, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
    assert.equal(auth.errorCode, 0);
    assert.equal(auth.sessionLifetimeMs, 1500n);
    const metadata = await client.request(3, 1, { topics: null } as never);
    assert.equal(metadata.brokers.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await assert.rejects(client.request(3, 1, { topics: null } as never), /connection closed by the broker/);
  });

  it('keeps a client that re-authenticates on the same connection working past the lifetime', async (t) => {
    const client = await RawClient.connectTls(fixture.broker.port, certs.ca);
    t.after(() => client.close());
    const login = async () => {
      assert.equal((await client.request(17, 1, { mechanism: 'PLAIN' })).errorCode, 0);
      return client.request(36, 2, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
    };
    assert.equal((await login()).errorCode, 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await login()).errorCode, 0, 're-authenticated before the session ended');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const metadata = await client.request(3, 1, { topics: null } as never);
    assert.equal(metadata.brokers.length, 1, 'served 2 s after the first login, past its 1.5 s lifetime');
  });

  it('@platformatic/kafka keeps producing past the lifetime (re-authenticating or reconnecting)', async (t) => {
    const producer = new Producer({
      clientId: 'reauth-producer',
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'b0b:with:colons' },
      serializers: stringSerializers,
      autocreateTopics: true,
    });
    t.after(() => producer.close());
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 4000) {
      await producer.send({ messages: [{ topic: 'reauth', key: 'k', value: String(sent) }] });
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(sent >= 10, `kept producing for 4 s (${sent} sends)`);
  });
});
