// IncrementalAlterConfigs v0–1 (KIP-339): SET or DELETE single topic config overrides; APPEND and SUBTRACT
// apply to list configs only, and the one list config (cleanup.policy) is read-only here, so they are
// INVALID_CONFIG. Broker settings are fixed at start (INVALID_CONFIG, as Kafka answers for settings that
// are not dynamic). v1 flexible.
import { alterConfigResources } from '../config-resources.ts';
import { incrementTopicConfigs } from '../log/topic-config-changes.ts';
import { defineHandler } from './handler.ts';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { state }) {
    const responses = await alterConfigResources(
      state,
      request.resources,
      request.validateOnly,
      incrementTopicConfigs,
    );
    return { throttleTimeMs: 0, responses };
  },
});
