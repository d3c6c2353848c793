// DescribeCluster v0–1 (KIP-700): this node, as broker and as the controller clients are told of (Kafka's
// brokers name a live broker there too, since KRaft controllers are not reachable by clients). v1 added
// endpointType (KIP-919): a broker serves only the broker endpoints, so asking it for controllers is
// UNSUPPORTED_ENDPOINT_TYPE, as in Kafka. Authorized operations, when asked for, are those ACLs give the
// principal on the cluster (KIP-430), or every cluster operation without an authorizer, as Kafka reports.
import { ErrorCode } from '../error-codes.ts';
import { authorizedOperations, ResourceType } from '../security/access.ts';
import { CLUSTER_NAME } from '../security/acl.ts';
import { defineHandler } from './handler.ts';

const NOT_REQUESTED = -2147483648;
const BROKERS_ENDPOINT = 1;

export const describeClusterHandler = defineHandler({
  apiKey: 60,
  handle(request, context) {
    const { state, apiVersion } = context;
    const endpointType = apiVersion >= 1 ? request.endpointType : BROKERS_ENDPOINT;
    const nodeId = state.config.nodeId;
    const response = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null as string | null,
      endpointType,
      clusterId: state.clusterId,
      controllerId: nodeId,
      brokers: [
        {
          brokerId: nodeId,
          host: state.advertisedHost,
          port: context.connection.listenerPort ?? state.advertisedPort,
          rack: null,
        },
      ],
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
        ? authorizedOperations(context, ResourceType.CLUSTER, CLUSTER_NAME)
        : NOT_REQUESTED,
    };
    if (endpointType !== BROKERS_ENDPOINT) {
      return {
        ...response,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `endpoint type ${endpointType} is not served: this broker lists brokers only (1)`,
        controllerId: -1,
        brokers: [],
      };
    }
    return response;
  },
});
