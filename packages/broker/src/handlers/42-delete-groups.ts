// DeleteGroups v0–2 (KIP-229): deletes consumer groups with their committed offsets. Only a group without
// members may be deleted (NON_EMPTY_GROUP), an unknown one is GROUP_ID_NOT_FOUND, an empty id
// INVALID_GROUP_ID, as in Kafka. v1 no change, v2 flexible.

import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const deleteGroupsHandler = defineHandler({
  apiKey: 42,
  async handle(request, context) {
    const allowed = request.groupsNames.filter((g) =>
      may(context, AclOperation.DELETE, ResourceType.GROUP, g),
    );
    const deleted = new Map(
      (await context.state.groups.deleteGroups(allowed)).map((r) => [r.groupId, r.errorCode]),
    );
    const results = request.groupsNames.map((groupId) => ({
      groupId,
      errorCode: deleted.get(groupId) ?? ErrorCode.GROUP_AUTHORIZATION_FAILED,
    }));
    return { throttleTimeMs: 0, results };
  },
});
