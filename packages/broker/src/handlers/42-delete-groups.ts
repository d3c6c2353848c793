// DeleteGroups v0–2 (KIP-229): deletes consumer groups with their committed offsets. Only a group without
// members may be deleted (NON_EMPTY_GROUP), an unknown one is GROUP_ID_NOT_FOUND, an empty id
// INVALID_GROUP_ID, as in Kafka. v1 no change, v2 flexible.
import { defineHandler } from './handler.ts';

export const deleteGroupsHandler = defineHandler({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, { state }) {
    return { throttleTimeMs: 0, results: await state.groups.deleteGroups(request.groupsNames) };
  },
});
