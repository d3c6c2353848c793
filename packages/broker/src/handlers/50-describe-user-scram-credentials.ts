// DescribeUserScramCredentials v0 (KIP-554): the SCRAM mechanisms and iteration counts of the named users,
// or of every user when none are named; never a salt or key. Needs DESCRIBE on the cluster. A user without
// credentials is RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE, as in Kafka. Flexible from v0.
// Users come from saslUsers / saslUsersFile and from AlterUserScramCredentials.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, mayOnCluster } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const describeUserScramCredentialsHandler = defineHandler({
  apiKey: 50,
  handle(request, context) {
    const admin = context.state.scramAdmin;
    if (admin === undefined || !mayOnCluster(context, AclOperation.DESCRIBE)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: 'DescribeUserScramCredentials needs DESCRIBE on the cluster',
        results: [],
      };
    }
    const names = request.users === null ? null : request.users.map((u) => u.name);
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results: admin.describeUsers(names) };
  },
});
