// Every API the broker serves, by API key. ApiVersions advertises exactly these, each with the versions its
// protocol schema defines (a schema in @tributary/kafka-protocol is written for exactly the versions its
// handler serves). A handler's module is loaded when its API is first requested, so the broker answers its
// first request without loading the code of the thirty-odd APIs that request does not need.
import { flushCompileCache } from 'node:module';
import type { ApiHandler, ApiKeyNumber } from './handler.ts';

export type HandlerLoader = () => Promise<ApiHandler>;

/**
 * Node writes its compile cache (when on, see bin/) as the process exits; a broker that is killed never
 * would, and would compile the module again on its next start. A handler compiled on first use is written now.
 */
function loaded(handler: unknown): ApiHandler {
  flushCompileCache();
  return handler as ApiHandler;
}

export const handlers: ReadonlyMap<ApiKeyNumber, HandlerLoader> = new Map<ApiKeyNumber, HandlerLoader>([
  [0, async () => loaded((await import('./00-produce.ts')).produceHandler)],
  [1, async () => loaded((await import('./01-fetch.ts')).fetchHandler)],
  [2, async () => loaded((await import('./02-list-offsets.ts')).listOffsetsHandler)],
  [3, async () => loaded((await import('./03-metadata.ts')).metadataHandler)],
  [8, async () => loaded((await import('./08-offset-commit.ts')).offsetCommitHandler)],
  [9, async () => loaded((await import('./09-offset-fetch.ts')).offsetFetchHandler)],
  [10, async () => loaded((await import('./10-find-coordinator.ts')).findCoordinatorHandler)],
  [11, async () => loaded((await import('./11-join-group.ts')).joinGroupHandler)],
  [12, async () => loaded((await import('./12-heartbeat.ts')).heartbeatHandler)],
  [13, async () => loaded((await import('./13-leave-group.ts')).leaveGroupHandler)],
  [14, async () => loaded((await import('./14-sync-group.ts')).syncGroupHandler)],
  [15, async () => loaded((await import('./15-describe-groups.ts')).describeGroupsHandler)],
  [16, async () => loaded((await import('./16-list-groups.ts')).listGroupsHandler)],
  [17, async () => loaded((await import('./17-sasl-handshake.ts')).saslHandshakeHandler)],
  [18, async () => loaded((await import('./18-api-versions.ts')).apiVersionsHandler)],
  [19, async () => loaded((await import('./19-create-topics.ts')).createTopicsHandler)],
  [20, async () => loaded((await import('./20-delete-topics.ts')).deleteTopicsHandler)],
  [21, async () => loaded((await import('./21-delete-records.ts')).deleteRecordsHandler)],
  [22, async () => loaded((await import('./22-init-producer-id.ts')).initProducerIdHandler)],
  [24, async () => loaded((await import('./24-add-partitions-to-txn.ts')).addPartitionsToTxnHandler)],
  [29, async () => loaded((await import('./29-describe-acls.ts')).describeAclsHandler)],
  [30, async () => loaded((await import('./30-create-acls.ts')).createAclsHandler)],
  [31, async () => loaded((await import('./31-delete-acls.ts')).deleteAclsHandler)],
  [32, async () => loaded((await import('./32-describe-configs.ts')).describeConfigsHandler)],
  [33, async () => loaded((await import('./33-alter-configs.ts')).alterConfigsHandler)],
  [35, async () => loaded((await import('./35-describe-log-dirs.ts')).describeLogDirsHandler)],
  [36, async () => loaded((await import('./36-sasl-authenticate.ts')).saslAuthenticateHandler)],
  [37, async () => loaded((await import('./37-create-partitions.ts')).createPartitionsHandler)],
  [42, async () => loaded((await import('./42-delete-groups.ts')).deleteGroupsHandler)],
  [
    44,
    async () => loaded((await import('./44-incremental-alter-configs.ts')).incrementalAlterConfigsHandler),
  ],
  [47, async () => loaded((await import('./47-offset-delete.ts')).offsetDeleteHandler)],
  [
    50,
    async () =>
      loaded((await import('./50-describe-user-scram-credentials.ts')).describeUserScramCredentialsHandler),
  ],
  [
    51,
    async () =>
      loaded((await import('./51-alter-user-scram-credentials.ts')).alterUserScramCredentialsHandler),
  ],
  [60, async () => loaded((await import('./60-describe-cluster.ts')).describeClusterHandler)],
]);
