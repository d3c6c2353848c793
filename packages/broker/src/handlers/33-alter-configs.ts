// AlterConfigs v0–2 (KIP-133): replaces a topic's alterable config overrides with those given (the ones
// left out fall back to the broker's value, as in Kafka); read-only overrides set at creation stay. Broker
// settings are fixed at start, so a change to one is INVALID_CONFIG (Kafka says the same of settings that
// are not dynamic). v1 no change, v2 flexible. Superseded by IncrementalAlterConfigs (44) in clients.
import { alterConfigResources } from '../config-resources.ts';
import { replaceTopicConfigs } from '../log/topic-config-changes.ts';
import { defineHandler } from './handler.ts';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  async handle(request, { state }) {
    const responses = await alterConfigResources(
      state,
      request.resources,
      request.validateOnly,
      replaceTopicConfigs,
    );
    return { throttleTimeMs: 0, responses };
  },
});
