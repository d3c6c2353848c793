// ListGroups v0–4. v1 throttleTimeMs, v3 flexible, v4 group states and a states filter (KIP-518).
import { defineHandler } from './handler.ts';

export const listGroupsHandler = defineHandler({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { state, apiVersion }) {
    const filter = apiVersion >= 4 && request.statesFilter.length > 0 ? request.statesFilter : undefined;
    const groups = state.groups.listGroups(filter).map((g) => ({ ...g, groupType: 'classic' }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
