// Test support for transports and for code built on the messaging library (`@tributary/messaging/testing`).
export { ContractFixture, type Gate, gate, type TransportFactory, waitFor } from './contract-fixture.ts';
export { PermanentTestError } from './failure-contracts.ts';
export { CommitRejectedError } from './in-memory-group.ts';
export {
  createInMemoryTransport,
  type InMemoryFaults,
  InMemoryTransport,
  type InMemoryTransportOptions,
} from './in-memory-transport.ts';
export { ManualClock } from './manual-clock.ts';
export { type ContractSuiteOptions, runTransportContractSuite } from './transport-contract-suite.ts';
