// InitProducerId v0–4: hands out producer ids for idempotent producers (KIP-98). v1 no change, v2
// flexible, v3 producerId/epoch for re-initialisation (KIP-360: a known producer gets its epoch bumped),
// v4 no change. Differs from Kafka: a transactionalId is accepted but transactions are not coordinated yet.
import { defineHandler } from './handler.ts';

export const initProducerIdHandler = defineHandler({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { state }) {
    const requested = request.producerId >= 0n ? Number(request.producerId) : undefined;
    const { producerId, epoch } =
      requested !== undefined
        ? state.logs.producerIds.bumpEpoch(requested, request.producerEpoch)
        : state.logs.producerIds.allocate();
    return { throttleTimeMs: 0, errorCode: 0, producerId: BigInt(producerId), producerEpoch: epoch };
  },
});
