// JoinGroup v0–9 (classic rebalance protocol), answered by the group coordinator once the join phase ends.
// v1 rebalanceTimeoutMs (KIP-62), v2 throttleTimeMs, v4 MEMBER_ID_REQUIRED for new members (KIP-394),
// v5 groupInstanceId (static membership, KIP-345), v6 flexible, v7 protocolType/Name in the response
// (KIP-559), v8 reason (KIP-800), v9 skipAssignment (KIP-814; always false here).

import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const joinGroupHandler = defineHandler({
  apiKey: 11,
  async handle(request, context) {
    const { state, apiVersion, clientId, connection, applied } = context;
    if (!may(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
        generationId: -1,
        protocolType: null,
        protocolName: apiVersion < 7 ? '' : null,
        leader: '',
        skipAssignment: false,
        memberId: request.memberId,
        members: [],
      };
    }
    const joining = state.groups.joinGroup({
      groupId: request.groupId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: apiVersion === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      protocolType: request.protocolType,
      protocols: request.protocols,
      reason: request.reason,
      apiVersion,
      clientId: clientId ?? '',
      clientHost: connection.remoteAddress,
    });
    // The member has joined (the coordinator applies it at once); waiting for the rebalance to end must not
    // hold up other requests on the connection, such as another member's JoinGroup on a shared socket.
    applied();
    const result = await joining;
    return {
      throttleTimeMs: 0,
      ...result,
      protocolName: result.protocolName ?? (apiVersion < 7 ? '' : null),
    };
  },
});
