// AlterConfigs v0–2 (KIP-133): replaces a topic's alterable config overrides with those given (the ones
// left out fall back to the broker's value, as in Kafka); read-only overrides set at creation stay. Broker
// settings are fixed at start, so a change to one is INVALID_CONFIG (Kafka says the same of settings that
// are not dynamic). v1 no change, v2 flexible. Superseded by IncrementalAlterConfigs (44) in clients.
import { changeTopicConfigs, refuseBrokerChange, resolveResource } from '../config-resources.ts';
import { replaceTopicConfigs } from '../log/topic-config-changes.ts';
import { defineHandler } from './handler.ts';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
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
          (current) => replaceTopicConfigs(current, r.configs),
          request.validateOnly,
        );
        responses.push({ ...base, ...outcome });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
