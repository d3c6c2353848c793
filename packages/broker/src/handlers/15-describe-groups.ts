// DescribeGroups v0–5. v1 throttleTimeMs, v3 authorized operations (KIP-430; none reported: no ACLs),
// v4 groupInstanceId (KIP-345), v5 flexible. An unknown group is described as "Dead", as Kafka does.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, authorizedOperations, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

const NOT_REQUESTED = -2147483648;

export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  handle(request, context) {
    const { state } = context;
    const allowed = request.groups.filter((g) => may(context, AclOperation.DESCRIBE, ResourceType.GROUP, g));
    const described = new Map(state.groups.describeGroups(allowed).map((g) => [g.groupId, g]));
    const groups = request.groups.map((groupId) => {
      const g = described.get(groupId);
      if (g === undefined) {
        return {
          errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
          groupId,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: NOT_REQUESTED,
        };
      }
      return {
        ...g,
        authorizedOperations: request.includeAuthorizedOperations
          ? authorizedOperations(context, ResourceType.GROUP, groupId)
          : NOT_REQUESTED,
      };
    });
    return { throttleTimeMs: 0, groups };
  },
});
