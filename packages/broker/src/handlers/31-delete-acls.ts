// DeleteAcls v0–3 (KIP-11): removes every ACL each filter matches (ANY and MATCH as in DescribeAcls), in one
// durable change, and lists what each filter removed. Needs ALTER on the cluster. v1 added the pattern type
// filter (KIP-290; v0 means LITERAL), v2 flexible, v3 no change for us.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, identityOf, mayOnCluster } from '../security/access.ts';
import { type AclBindingFilter, filterProblem } from '../security/acl.ts';
import { defineHandler } from './handler.ts';

export const deleteAclsHandler = defineHandler({
  apiKey: 31,
  async handle(request, context) {
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    const authorizer = context.state.authorizer;
    if (authorizer === undefined)
      return all(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured on the broker');
    if (!mayOnCluster(context, AclOperation.ALTER))
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DeleteAcls needs ALTER on the cluster');
    const filters: AclBindingFilter[] = request.filters.map((f) => ({
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: f.patternTypeFilter,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permissionType: f.permissionType,
    }));
    const problems = filters.map(filterProblem);
    let removed: Awaited<ReturnType<typeof authorizer.acls.remove>>;
    try {
      removed = await authorizer.acls.remove(filters.filter((_, i) => problems[i] === null));
    } catch (err) {
      // Nothing was removed: acls.json is written before the change applies.
      context.state.logger.error({ err }, 'cannot store ACLs; none were deleted');
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `cannot store ACLs: ${(err as Error).message}`);
    }
    const count = removed.reduce((n, r) => n + r.length, 0);
    if (count > 0) context.state.logger.info({ by: identityOf(context).principal, count }, 'ACLs deleted');
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: problems.map((problem) => {
        if (problem !== null)
          return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
        return {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: removed[next++].map((a) => ({ errorCode: 0, errorMessage: null, ...a })),
        };
      }),
    };
  },
});
