// FindCoordinator v0–3: this broker coordinates every group and transactional id. v1 added keyType and
// errorMessage, v2 no change, v3 flexible (v4's batched keys are not served).
import { defineHandler } from './handler.ts';

export const findCoordinatorHandler = defineHandler({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 3,
  handle(_request, { state }) {
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: state.config.nodeId,
      host: state.advertisedHost,
      port: state.advertisedPort,
      coordinators: [],
    };
  },
});
