// ListGroups v0–4. v1 throttleTimeMs, v3 flexible, v4 group states and a states filter (KIP-518).
import { AclOperation, CLUSTER_NAME, maySee, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const listGroupsHandler = defineHandler({
  apiKey: 16,
  handle(request, context) {
    const { state, apiVersion } = context;
    const filter = apiVersion >= 4 && request.statesFilter.length > 0 ? request.statesFilter : undefined;
    // As Kafka: DESCRIBE on the cluster lists every group, else only the groups the principal may DESCRIBE.
    const all = maySee(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    const groups = state.groups
      .listGroups(filter)
      .filter((g) => all || maySee(context, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId))
      .map((g) => ({ ...g, groupType: 'classic' }));
    return { throttleTimeMs: 0, errorCode: 0, groups };
  },
});
