// IncrementalAlterConfigs v0–1 (KIP-339): SET or DELETE single topic config overrides; APPEND and SUBTRACT
// apply to list configs only, and the one list config (cleanup.policy) is read-only here, so they are
// INVALID_CONFIG. Broker settings are fixed at start (INVALID_CONFIG, as Kafka answers for settings that
// are not dynamic). v1 flexible.
import { changeTopicConfigs, refuseBrokerChange, resolveResource } from '../config-resources.ts';
import { incrementTopicConfigs } from '../log/topic-config-changes.ts';
import { defineHandler } from './handler.ts';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { state }) {
    const responses = [];
    for (const r of request.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const resource = resolveResource(state, r.resourceType, r.resourceName);
      if ('errorCode' in resource) responses.push({ ...base, ...resource });
      else if (resource.kind === 'broker')
        responses.push({ ...base, ...refuseBrokerChange(r.configs.map((c) => c.name)) });
      else {
        const outcome = await changeTopicConfigs(
          state,
          resource.topic,
          (current) => incrementTopicConfigs(current, r.configs),
          request.validateOnly,
        );
        responses.push({ ...base, ...outcome });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
