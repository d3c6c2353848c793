// Heartbeat v0–4: keeps a member's session alive and tells it when to rejoin (REBALANCE_IN_PROGRESS).
// v1 throttleTimeMs, v3 groupInstanceId (KIP-345), v4 flexible.

import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const heartbeatHandler = defineHandler({
  apiKey: 12,
  handle(request, context) {
    const { state } = context;
    if (!may(context, AclOperation.READ, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const { errorCode } = state.groups.heartbeat({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
});
