// The group leader's assignment for @platformatic/kafka consumers: partition p of every subscribed topic
// goes to the same member (see co-partitioned-assignment.ts for why).
import type { GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka';
import { assignCoPartitioned } from '../co-partitioned-assignment.ts';

export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const plan = assignCoPartitioned(
    [...topics].map((topic) => ({
      topic,
      partitions: metadata.topics.get(topic)?.partitionsCount ?? 0,
      members: [...members].filter(([, m]) => !m.topics || m.topics.includes(topic)).map(([id]) => id),
    })),
  );
  const result: GroupPartitionsAssignments[] = [];
  for (const memberId of members.keys()) {
    const assignments = new Map<string, { topic: string; partitions: number[] }>();
    for (const [topic, partitions] of plan.get(memberId) ?? []) assignments.set(topic, { topic, partitions });
    result.push({ memberId, assignments });
  }
  return result;
};
