// InitProducerId v0–4: hands out producer ids for idempotent producers (KIP-98). v1 no change, v2
// flexible, v3 producerId/epoch for re-initialisation (KIP-360), v4 no change.
// As in Kafka, a request without a transactionalId always gets a new producer id with epoch 0, whatever
// producerId/epoch it carries: two producers must never share an id. With a transactionalId, the same
// id is kept and its epoch bumped, which fences an older instance. Differs from Kafka: transactions are
// not coordinated yet, and the transactional id → producer id map lives in memory.
import { defineHandler } from './handler.ts';

const MAX_EPOCH = 32767;

export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  async handle(request, { state }) {
    let assigned: { producerId: number; epoch: number };
    const txId = request.transactionalId;
    const known = txId === null ? undefined : state.transactionalProducers.get(txId);
    if (known && known.epoch < MAX_EPOCH) assigned = { producerId: known.producerId, epoch: known.epoch + 1 };
    else assigned = await state.logs.producerIds.allocate();
    if (txId !== null) state.transactionalProducers.set(txId, assigned);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      producerId: BigInt(assigned.producerId),
      producerEpoch: assigned.epoch,
    };
  },
});
