// DescribeGroups v0–5. v1 throttleTimeMs, v3 authorized operations (KIP-430; none reported: no ACLs),
// v4 groupInstanceId (KIP-345), v5 flexible. An unknown group is described as "Dead", as Kafka does.
import { defineHandler } from './handler.ts';

export const describeGroupsHandler = defineHandler({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(request, { state }) {
    const groups = state.groups.describeGroups(request.groups).map((g) => ({
      ...g,
      authorizedOperations: -2147483648,
    }));
    return { throttleTimeMs: 0, groups };
  },
});
