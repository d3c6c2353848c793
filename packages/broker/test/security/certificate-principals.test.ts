// On a TLS listener that requires client certificates (and has no SASL), the ACL principal is the
// certificate's subject as Kafka names it (`User:CN=orders,O=Tributary`): kafkajs clients with different
// certificates get what their ACLs give them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { AclOperation, AclPermission, PatternType, ResourceType } from '../../src/security/acl.ts';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';
import { clientCertificate, type TestCertificates, testCertificates } from '../support/test-certificates.ts';

describe('principals from TLS client certificates', () => {
  let certs: TestCertificates;
  let fixture: BrokerFixture;
  const clients: Record<string, { cert: string; key: string }> = {};

  const kafka = (name: string) =>
    new Kafka({
      clientId: `cert-${name}`,
      brokers: [fixture.broker.address],
      ssl: { ca: [certs.ca], ...clients[name] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50 },
    });

  before(async () => {
    certs = await testCertificates();
    clients.admin = await clientCertificate(certs, 'admin', '/O=Tributary/CN=admin');
    clients.orders = await clientCertificate(certs, 'orders', '/O=Tributary/CN=orders');
    clients.other = await clientCertificate(certs, 'other', '/O=Tributary/CN=other');
    fixture = await brokerFixture({
      tlsCertFile: certs.certFile,
      tlsKeyFile: certs.keyFile,
      tlsClientAuth: 'required',
      tlsClientCaFile: certs.caFile,
      authorizer: 'acl',
      superUsers: 'User:CN=admin,O=Tributary',
    });
  });
  after(async () => {
    await fixture?.stop();
    await certs?.remove();
  });

  it('authorizes each client by its certificate subject', async (t) => {
    const admin = kafka('admin').admin();
    const orders = kafka('orders').producer();
    const other = kafka('other').producer();
    t.after(async () => {
      await admin.disconnect();
      await orders.disconnect();
      await other.disconnect();
    });
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'cert-orders' }] });
    await admin.createAcls({
      acl: [
        {
          resourceType: ResourceType.TOPIC,
          resourceName: 'cert-orders',
          resourcePatternType: PatternType.LITERAL,
          principal: 'User:CN=orders,O=Tributary',
          host: '*',
          operation: AclOperation.WRITE,
          permissionType: AclPermission.ALLOW,
        },
      ],
    });
    await orders.connect();
    await orders.send({ topic: 'cert-orders', messages: [{ value: 'by certificate' }] });
    await other.connect();
    const refused = await other.send({ topic: 'cert-orders', messages: [{ value: 'x' }] }).then(
      () => 'succeeded',
      (err: { type?: string; message: string }) => err.type ?? err.message,
    );
    // kafkajs reports a refused Metadata topic as "Not authorized to access topics: [Topic authorization failed]".
    assert.match(refused as string, /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/);
    const offsets = await admin.fetchTopicOffsets('cert-orders');
    assert.equal(
      offsets.reduce((n, p) => n + Number(p.high), 0),
      1,
      'only the allowed record was appended',
    );
  });
});
