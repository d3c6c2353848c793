// The transport contract on the in-memory transport.
import { createInMemoryTransport } from '../../src/testing/in-memory-transport.ts';
import { runTransportContractSuite } from '../../src/testing/transport-contract-suite.ts';

runTransportContractSuite('in-memory', ({ clock }) => createInMemoryTransport({ clock }));
