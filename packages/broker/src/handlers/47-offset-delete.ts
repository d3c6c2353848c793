// OffsetDelete v0 (KIP-496): deletes some committed offsets of a group. As in Kafka: an unknown group is
// GROUP_ID_NOT_FOUND; a group with members keeps the offsets of topics they subscribe to
// (GROUP_SUBSCRIBED_TO_TOPIC per partition) and, if it does not use the consumer protocol, all of them
// (NON_EMPTY_GROUP); a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const offsetDeleteHandler = defineHandler({
  apiKey: 47,
  async handle(request, context) {
    const { state } = context;
    if (!may(context, AclOperation.DELETE, ResourceType.GROUP, request.groupId))
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const readable = new Set(
      request.topics
        .filter((t) => may(context, AclOperation.READ, ResourceType.TOPIC, t.name))
        .map((t) => t.name),
    );
    const exists = (topic: string, partition: number) => {
      const info = state.logs.getTopic(topic);
      return info !== undefined && partition >= 0 && partition < info.partitions;
    };
    const result = await state.groups.deleteOffsets(
      request.groupId,
      request.topics
        .filter((t) => readable.has(t.name))
        .map((t) => ({
          name: t.name,
          partitionIndexes: t.partitions.map((p) => p.partitionIndex).filter((p) => exists(t.name, p)),
        })),
    );
    if (result.errorCode !== 0) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const answered = new Map<string, number>();
    for (const t of result.topics)
      for (const p of t.partitions) answered.set(`${p.partitionIndex}:${t.name}`, p.errorCode);
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: !readable.has(t.name)
          ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
          : (answered.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      })),
    }));
    return { errorCode: 0, throttleTimeMs: 0, topics };
  },
});
