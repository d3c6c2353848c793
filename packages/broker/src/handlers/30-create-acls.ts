// CreateAcls v0–3 (KIP-11): adds ACLs, durably, before answering. Needs ALTER on the cluster. Each creation
// is checked on its own: a malformed one (unknown or ANY codes, a principal that is not User:<name>, an
// operation that does not apply to the resource type) gets INVALID_REQUEST and the others are made.
// v1 added the pattern type (KIP-290; v0 creates LITERAL patterns), v2 flexible, v3 no change for us.
// If acls.json cannot be written, nothing of the request is created and each creation gets
// UNKNOWN_SERVER_ERROR with the cause.
// Differs from Kafka: DELEGATION_TOKEN and USER resources are refused, as the broker has neither.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, identityOf, mayOnCluster } from '../security/access.ts';
import {
  type AclBinding,
  bindingProblem,
  operationName,
  patternTypeName,
  permissionName,
  resourceTypeName,
} from '../security/acl.ts';
import { defineHandler } from './handler.ts';

export const createAclsHandler = defineHandler({
  apiKey: 30,
  async handle(request, context) {
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      results: request.creations.map(() => ({ errorCode, errorMessage })),
    });
    const authorizer = context.state.authorizer;
    if (authorizer === undefined)
      return all(ErrorCode.SECURITY_DISABLED, 'no authorizer is configured on the broker');
    if (!mayOnCluster(context, AclOperation.ALTER))
      return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'CreateAcls needs ALTER on the cluster');
    const bindings: AclBinding[] = request.creations.map((c) => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permissionType: c.permissionType,
    }));
    const problems = bindings.map(bindingProblem);
    const valid = bindings.filter((_, i) => problems[i] === null);
    try {
      await authorizer.acls.add(valid);
    } catch (err) {
      context.state.logger.error({ err }, 'cannot store ACLs; none of the request was created');
      return all(ErrorCode.UNKNOWN_SERVER_ERROR, `cannot store ACLs: ${(err as Error).message}`);
    }
    const by = identityOf(context).principal;
    for (const b of valid) {
      context.state.logger.info(
        {
          by,
          principal: b.principal,
          host: b.host,
          permission: permissionName(b.permissionType),
          operation: operationName(b.operation),
          resource: `${resourceTypeName(b.resourceType)}:${patternTypeName(b.patternType)}:${b.resourceName}`,
        },
        'ACL created',
      );
    }
    return {
      throttleTimeMs: 0,
      results: problems.map((problem) =>
        problem === null
          ? { errorCode: 0, errorMessage: null }
          : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem },
      ),
    };
  },
});
