// LeaveGroup v0–5. v0–2 name one member; v3 (KIP-345) a batch of members by id or instance id with
// per-member errors; v4 flexible; v5 reason (KIP-800).

import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const leaveGroupHandler = defineHandler({
  apiKey: 13,
  handle(request, context) {
    const { state, apiVersion } = context;
    if (!may(context, AclOperation.READ, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const members =
      apiVersion < 3
        ? [{ memberId: request.memberId, groupInstanceId: null, reason: null }]
        : request.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            reason: m.reason,
          }));
    const result = state.groups.leaveGroup({ groupId: request.groupId, members });
    const errorCode =
      apiVersion < 3
        ? (result.members[0]?.errorCode ?? result.errorCode) || result.errorCode
        : result.errorCode;
    return { throttleTimeMs: 0, errorCode, members: result.members };
  },
});
