// Names of the per-group retry and dead-letter topics.

export function retryTopicOf(topic: string, group: string): string {
  return `${topic}.${group}.retry`;
}

export function deadLetterTopicOf(topic: string, group: string): string {
  return `${topic}.${group}.dlq`;
}

/** Marks of records already redriven out of a dead-letter topic (a topic cannot delete records). */
export function redrivenTopicOf(topic: string, group: string): string {
  return `${deadLetterTopicOf(topic, group)}.redriven`;
}
