// InitProducerId v0–4: hands out producer ids for idempotent producers (KIP-98). v1 no change, v2
// flexible, v3 producerId/epoch for re-initialisation (KIP-360), v4 no change.
// As in Kafka, a request without a transactionalId always gets a new producer id with epoch 0, whatever
// producerId/epoch it carries: two producers must never share an id.
// Differs from Kafka: transactions are not implemented, so a transactional id is refused at once with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the one error that every common client (librdkafka, the Java
// client, kafkajs) treats as fatal for InitProducerId. Any retriable error (COORDINATOR_NOT_AVAILABLE, what
// a Kafka cluster without a transaction log answers) would keep them retrying until their timeout.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, mayWriteIdempotently, ResourceType } from '../security/access.ts';
import { logTransactionRefused } from '../transactions-refused.ts';
import { defineHandler } from './handler.ts';

export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  async handle(request, context) {
    const { state, clientId } = context;
    const refused = (errorCode: number) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: -1n,
      producerEpoch: -1,
    });
    if (
      request.transactionalId !== null &&
      !may(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)
    )
      return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // An idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on some topic (KIP-679).
    if (request.transactionalId === null && !mayWriteIdempotently(context))
      return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (request.transactionalId !== null) {
      logTransactionRefused(
        state.logger,
        'a transactional InitProducerId',
        request.transactionalId,
        clientId,
      );
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1n,
        producerEpoch: -1,
      };
    }
    const assigned = await state.logs.producerIds.allocate();
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: BigInt(assigned.producerId),
      producerEpoch: assigned.epoch,
    };
  },
});
