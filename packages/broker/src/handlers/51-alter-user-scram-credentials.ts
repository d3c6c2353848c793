// AlterUserScramCredentials v0 (KIP-554): upserts (the client sends the salt and the salted password, never
// the password) and deletes users' SCRAM credentials, durably, before answering; new logins use them at
// once, sessions already authenticated go on. Needs ALTER on the cluster. As in Kafka: an unknown mechanism
// is UNSUPPORTED_SASL_MECHANISM, fewer than 4096 or more than 16384 iterations UNACCEPTABLE_CREDENTIAL, a
// deletion of a credential that does not exist RESOURCE_NOT_FOUND, the same user and mechanism twice
// DUPLICATE_RESOURCE; a user's alterations apply all or none. If the file cannot be written, nothing
// changes and every user gets UNKNOWN_SERVER_ERROR with the cause. Flexible from v0.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, identityOf, mayOnCluster } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const alterUserScramCredentialsHandler = defineHandler({
  apiKey: 51,
  async handle(request, context) {
    const admin = context.state.scramAdmin;
    const users = [...new Set([...request.deletions, ...request.upsertions].map((a) => a.name))];
    if (admin === undefined || !mayOnCluster(context, AclOperation.ALTER)) {
      return {
        throttleTimeMs: 0,
        results: users.map((user) => ({
          user,
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: 'AlterUserScramCredentials needs ALTER on the cluster',
        })),
      };
    }
    try {
      const results = await admin.alter(request.deletions, request.upsertions, identityOf(context).principal);
      return { throttleTimeMs: 0, results };
    } catch (err) {
      // Nothing was changed: the file is written before the credentials are.
      context.state.logger.error({ err }, 'cannot store SCRAM credentials; none were changed');
      return {
        throttleTimeMs: 0,
        results: users.map((user) => ({
          user,
          errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
          errorMessage: `cannot store SCRAM credentials: ${(err as Error).message}`,
        })),
      };
    }
  },
});
