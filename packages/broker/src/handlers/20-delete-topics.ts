// DeleteTopics v0–5 (by name; v6's topic ids are not served). v1 throttleTimeMs, v4 flexible, v5
// errorMessage. Deleting a topic also forgets the groups' committed offsets for it.
import { ErrorCode } from '../error-codes.ts';
import { AclOperation, may, ResourceType } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const deleteTopicsHandler = defineHandler({
  apiKey: 20,
  async handle(request, context) {
    const { state } = context;
    const responses = [];
    for (const name of request.topicNames) {
      if (!may(context, AclOperation.DELETE, ResourceType.TOPIC, name)) {
        responses.push({
          name,
          topicId: '00000000-0000-0000-0000-000000000000',
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: `not authorized to delete topic '${name}'`,
        });
        continue;
      }
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
