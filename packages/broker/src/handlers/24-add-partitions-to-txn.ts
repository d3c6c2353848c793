// AddPartitionsToTxn v0–3 (the client versions; v4+ are sent between brokers, KIP-890). Transactions are
// not implemented and no producer is ever given a transactional id (see 22-init-producer-id.ts), so every
// partition is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal rather than
// retrying until their transaction timeout. v1 no change, v2 PRODUCER_FENCED, v3 flexible.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { logTransactionRefused } from '../transactions-refused.ts';
import { defineHandler } from './handler.ts';

export const addPartitionsToTxnHandler = defineHandler({
  apiKey: 24,
  handle(request, context) {
    const { state, clientId } = context;
    // The ACL check comes first (its refusal is logged), as in Kafka; the refusal is the same either way.
    if (may(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.v3AndBelowTransactionalId))
      logTransactionRefused(state.logger, 'AddPartitionsToTxn', request.v3AndBelowTransactionalId, clientId);
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({
        name: t.name,
        resultsByPartition: t.partitions.map((partitionIndex) => ({
          partitionIndex,
          partitionErrorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        })),
      })),
    };
  },
});
