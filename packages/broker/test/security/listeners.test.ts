// A TLS listener with a plaintext one beside it (`plaintextPort`): both require the same SASL login, each
// tells its clients its own port in Metadata (so a client stays on the listener it chose), and records
// written through one are read through the other. kcat (librdkafka) uses the plaintext port with
// SASL_PLAINTEXT, @platformatic/kafka the TLS one.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { resolveBrokerConfig } from '../../src/config.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { kcat } from '../support/kcat.ts';
import { type TestCertificates, testCertificates } from '../support/test-certificates.ts';

describe('a plaintext listener beside the TLS one', () => {
  let certs: TestCertificates;
  let fixture: BrokerFixture;
  let plaintextAddress: string;
  const sasl = { mechanism: 'SCRAM-SHA-512' as const, username: 'carol', password: 'carol-secret' };

  before(async () => {
    certs = await testCertificates();
    fixture = await brokerFixture({
      tlsCertFile: certs.certFile,
      tlsKeyFile: certs.keyFile,
      plaintextPort: 0,
      saslMechanisms: 'SCRAM-SHA-512',
      saslUsers: `${sasl.username}:${sasl.password}`,
    });
    assert.ok(fixture.broker.plaintextPort, 'the plaintext port is bound');
    assert.notEqual(fixture.broker.plaintextPort, fixture.broker.port);
    plaintextAddress = `${fixture.broker.host}:${fixture.broker.plaintextPort}`;
  });
  after(async () => {
    await fixture?.stop();
    await certs?.remove();
  });

  it('tells each client the port of the listener it connected to', async () => {
    const overTls = new Admin({
      clientId: 'listeners-tls',
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      sasl,
    });
    const overPlaintext = new Admin({
      clientId: 'listeners-plain',
      bootstrapBrokers: [plaintextAddress],
      sasl,
    });
    try {
      const tlsBrokers = [...(await overTls.metadata({ topics: [] })).brokers.values()];
      assert.deepEqual(
        tlsBrokers.map((b) => b.port),
        [fixture.broker.port],
      );
      const plainBrokers = [...(await overPlaintext.metadata({ topics: [] })).brokers.values()];
      assert.deepEqual(
        plainBrokers.map((b) => b.port),
        [fixture.broker.plaintextPort],
      );
    } finally {
      await overTls.close();
      await overPlaintext.close();
    }
  });

  it('chooses AES-128-GCM over the AES-256-GCM a Node.js client offers first, on TLS 1.3 and 1.2', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const socket = connect({
        host: fixture.broker.host,
        port: fixture.broker.port,
        ca: certs.ca,
        servername: 'localhost',
        maxVersion,
      });
      try {
        await once(socket, 'secureConnect');
        assert.equal(socket.getProtocol(), maxVersion);
        assert.match(socket.getCipher().standardName, /_AES_128_GCM_/, maxVersion);
      } finally {
        socket.destroy();
      }
    }
  });

  it('serves what was written over TLS to kcat on the plaintext port, after the same SASL login', async () => {
    const admin = new Admin({
      clientId: 'listeners-admin',
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      sasl,
    });
    try {
      await admin.createTopics({ topics: ['both-ways'], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    const producer = new Producer({
      clientId: 'listeners-producer',
      bootstrapBrokers: [fixture.broker.address],
      tls: { ca: certs.ca },
      sasl,
      serializers: stringSerializers,
    });
    try {
      await producer.send({
        messages: [
          { topic: 'both-ways', key: 'k1', value: 'over tls' },
          { topic: 'both-ways', key: 'k2', value: 'read in plaintext' },
        ],
        acks: -1,
      });
    } finally {
      await producer.close();
    }
    const login = [
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      `sasl.username=${sasl.username}`,
      '-X',
      `sasl.password=${sasl.password}`,
    ];
    const consumed = await kcat([
      '-b',
      plaintextAddress,
      ...login,
      '-C',
      '-t',
      'both-ways',
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k=%s\n',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n').sort(), ['k1=over tls', 'k2=read in plaintext']);
    const anonymous = await kcat(['-b', plaintextAddress, '-L', '-m', '5']);
    assert.notEqual(
      anonymous.code,
      0,
      'a client that does not log in gets no metadata on the plaintext port',
    );
  });

  it('refuses a plaintext port without a TLS listener, or on the TLS port', () => {
    assert.throws(() => resolveBrokerConfig({ plaintextPort: 9093 }), /plaintextPort: is a second listener/);
    assert.throws(
      () =>
        resolveBrokerConfig({ port: 9093, plaintextPort: 9093, tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem' }),
      /plaintextPort: must differ from port/,
    );
  });
});
