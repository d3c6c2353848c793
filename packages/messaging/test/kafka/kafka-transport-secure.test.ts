// The transport contract again, with every client of the transport on SASL SCRAM-SHA-512 over TLS (a CA
// made for the test): what the services do when KAFKA_SASL_* and KAFKA_SSL_CA_FILE are set.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { type TestCertificates, testCertificates } from '../../../broker/test/support/test-certificates.ts';
import { createKafkaTransport } from '../../src/kafka/kafka-transport.ts';
import { runTransportContractSuite } from '../../src/testing/transport-contract-suite.ts';

let broker: Broker;
let dataDir: string;
let certs: TestCertificates;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tributary-messaging-secure-'));
  certs = await testCertificates();
  broker = await startBroker({
    port: 0,
    dataDir,
    logger: pino({ level: 'silent' }),
    groupMinSessionTimeoutMs: 500,
    tlsCertFile: certs.certFile,
    tlsKeyFile: certs.keyFile,
    saslMechanisms: 'SCRAM-SHA-512',
    saslUsers: 'orders:orders-secret',
  });
});

after(async () => {
  await broker?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await certs?.remove();
});

runTransportContractSuite('kafka (broker, SASL SCRAM-SHA-512 over TLS)', () =>
  createKafkaTransport({
    brokers: [broker.address],
    clientId: 'contract-secure',
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 3_000,
    maxWaitTimeMs: 100,
    security: {
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'orders', password: 'orders-secret' },
      tls: { ca: certs.ca },
    },
  }),
);
