// SyncGroup v0–5: the leader hands in the assignment, every member gets its own. v1 throttleTimeMs,
// v3 groupInstanceId (KIP-345), v4 flexible, v5 protocolType/protocolName checks (KIP-559).

import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const syncGroupHandler = defineHandler({
  apiKey: 14,
  async handle(request, context) {
    const { state, apiVersion, applied } = context;
    if (!may(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      };
    }
    const syncing = state.groups.syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: apiVersion >= 5 ? request.protocolType : null,
      protocolName: apiVersion >= 5 ? request.protocolName : null,
      assignments: request.assignments,
    });
    // A follower waits for the leader's assignment, which may come on this same connection.
    applied();
    const result = await syncing;
    return { throttleTimeMs: 0, ...result };
  },
});
