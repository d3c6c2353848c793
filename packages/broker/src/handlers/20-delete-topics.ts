// DeleteTopics v0–5 (by name; v6's topic ids are not served). v1 throttleTimeMs, v4 flexible, v5
// errorMessage. Deleting a topic also forgets the groups' committed offsets for it.
import { ErrorCode } from '../error-codes.ts';
import { defineHandler } from './handler.ts';

export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 5,
  async handle(request, { state }) {
    const responses = [];
    for (const name of request.topicNames) {
      const topic = state.logs.getTopic(name);
      if (!topic) {
        responses.push({
          name,
          topicId: '00000000-0000-0000-0000-000000000000',
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: `topic '${name}' does not exist`,
        });
        continue;
      }
      await state.logs.deleteTopic(name);
      state.groups.deleteTopicOffsets(name);
      state.logger.info({ topic: name }, 'topic deleted');
      responses.push({ name, topicId: topic.topicId, errorCode: 0, errorMessage: null });
    }
    return { throttleTimeMs: 0, responses };
  },
});
