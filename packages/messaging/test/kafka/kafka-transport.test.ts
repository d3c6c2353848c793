// The transport contract on the Kafka transport against our broker, started in-process on a free port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Broker, startBroker } from '@tributary/broker';
import { pino } from 'pino';
import { createKafkaTransport } from '../../src/kafka/kafka-transport.ts';
import { runTransportContractSuite } from '../../src/testing/transport-contract-suite.ts';

let broker: Broker;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tributary-messaging-'));
  broker = await startBroker({
    port: 0,
    dataDir,
    logger: pino({ level: 'silent' }),
    groupMinSessionTimeoutMs: 500,
  });
});

after(async () => {
  await broker?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

runTransportContractSuite('kafka (broker)', () =>
  createKafkaTransport({
    brokers: [broker.address],
    clientId: 'contract',
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 300,
    rebalanceTimeoutMs: 3_000,
    maxWaitTimeMs: 100,
  }),
);
