// ApiVersions v0–3. The table is derived from the handler registry (never written by hand).
// v1 added throttleTimeMs; v2 no change; v3 (KIP-511) is flexible and carries the client's software name
// and version. Unsupported versions are answered by the dispatcher with a v0 body and error 35 (KIP-511).
// We advertise no features (supportedFeatures/finalizedFeatures stay empty): there is no KRaft here.
import { defineHandler } from './handler.ts';

export const apiVersionsHandler = defineHandler({
  apiKey: 18,
  handle(request, { state, connection, apiVersion }) {
    if (apiVersion >= 3) {
      connection.logger.debug(
        {
          clientSoftwareName: request.clientSoftwareName,
          clientSoftwareVersion: request.clientSoftwareVersion,
        },
        'client software',
      );
    }
    return {
      errorCode: 0,
      apiKeys: state.supportedApis(),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
});
