// Partition p of every subscribed topic goes to the same member: a topic and its retry topic have the same
// partition count and the same key lands on the same partition number in both, so one member sees every
// record of a key, wherever it waits. That is what keeps per-key hold-back state local to one process.

export interface AssignmentTopic {
  topic: string;
  partitions: number;
  /** Members subscribed to the topic. */
  members: string[];
}

/** memberId -> topic -> partitions */
export function assignCoPartitioned(topics: AssignmentTopic[]): Map<string, Map<string, number[]>> {
  const result = new Map<string, Map<string, number[]>>();
  for (const { topic, partitions, members } of topics) {
    const sorted = [...members].sort();
    if (sorted.length === 0) continue;
    for (let p = 0; p < partitions; p++) {
      const member = sorted[p % sorted.length];
      let byTopic = result.get(member);
      if (!byTopic) {
        byTopic = new Map();
        result.set(member, byTopic);
      }
      const list = byTopic.get(topic) ?? [];
      list.push(p);
      byTopic.set(topic, list);
    }
  }
  return result;
}
