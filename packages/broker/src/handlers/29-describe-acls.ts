// DescribeAcls v0–3 (KIP-11): the ACLs a filter matches, grouped by resource pattern. Needs DESCRIBE on the
// cluster. v1 added the pattern type filter (KIP-290: ANY, MATCH, LITERAL, PREFIXED; v0 means LITERAL),
// v2 flexible, v3 the USER resource type (KIP-48; not enforced here, so it never matches).
// Without the acl authorizer the answer is SECURITY_DISABLED, as from Kafka without an authorizer.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, mayOnCluster } from '../security/access.ts';
import { type AclBinding, filterProblem } from '../security/acl.ts';
import { defineHandler } from './handler.ts';

export const describeAclsHandler = defineHandler({
  apiKey: 29,
  handle(request, context) {
    const refused = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      errorCode,
      errorMessage,
      resources: [],
    });
    const authorizer = context.state.authorizer;
    if (authorizer === undefined)
      return refused(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured on the broker');
    if (!mayOnCluster(context, AclOperation.DESCRIBE))
      return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'DescribeAcls needs DESCRIBE on the cluster');
    const filter = {
      resourceType: request.resourceTypeFilter,
      resourceName: request.resourceNameFilter,
      patternType: request.patternTypeFilter,
      principal: request.principalFilter,
      host: request.hostFilter,
      operation: request.operation,
      permissionType: request.permissionType,
    };
    const problem = filterProblem(filter);
    if (problem !== null) return refused(ErrorCode.INVALID_REQUEST, problem);
    const byResource = new Map<string, { head: AclBinding; acls: AclBinding[] }>();
    for (const acl of authorizer.acls.matching(filter)) {
      const key = `${acl.resourceType}\u0000${acl.patternType}\u0000${acl.resourceName}`;
      const entry = byResource.get(key);
      if (entry === undefined) byResource.set(key, { head: acl, acls: [acl] });
      else entry.acls.push(acl);
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [...byResource.values()].map(({ head, acls }) => ({
        resourceType: head.resourceType,
        resourceName: head.resourceName,
        patternType: head.patternType,
        acls: acls.map((a) => ({
          principal: a.principal,
          host: a.host,
          operation: a.operation,
          permissionType: a.permissionType,
        })),
      })),
    };
  },
});
