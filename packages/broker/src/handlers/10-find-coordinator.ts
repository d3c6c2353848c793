// FindCoordinator v0–3: this broker coordinates every group. v1 added keyType and errorMessage, v2 no
// change, v3 flexible (v4's batched keys are not served).
// Differs from Kafka: transactions are not implemented, so a transaction coordinator (keyType 1) is refused
// with TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a message saying so. Clients treat that error as fatal and
// show the message; a retriable one (COORDINATOR_NOT_AVAILABLE) would keep them waiting until a timeout.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { logTransactionRefused, TRANSACTIONS_NOT_SUPPORTED } from '../transactions-refused.ts';
import { defineHandler } from './handler.ts';

const TRANSACTION_KEY = 1;

export const findCoordinatorHandler = defineHandler({
  apiKey: 10,
  handle(request, context) {
    const { state, clientId } = context;
    const refusal = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: [],
    });
    if (request.keyType === TRANSACTION_KEY) {
      if (!may(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, request.key))
        return refusal(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'not authorized');
      logTransactionRefused(state.logger, 'a transaction coordinator lookup', request.key, clientId);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        errorMessage: TRANSACTIONS_NOT_SUPPORTED,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators: [],
      };
    }
    if (!may(context, AclOperation.DESCRIBE, ResourceType.GROUP, request.key))
      return refusal(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'not authorized to describe the group');
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: state.config.nodeId,
      host: state.advertisedHost,
      port: context.connection.listenerPort ?? state.advertisedPort,
      coordinators: [],
    };
  },
});
