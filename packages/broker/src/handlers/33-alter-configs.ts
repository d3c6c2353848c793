// AlterConfigs v0–2 (KIP-133): replaces a resource's alterable config overrides with those given (the ones
// left out fall back, as in Kafka). For a topic: its overrides (read-only ones set at creation stay). For a
// broker (its id, or '' for every broker): its dynamic settings (KIP-226), of which only the topic defaults
// log.retention.ms, log.retention.bytes, log.segment.bytes and message.max.bytes exist here; any other
// setting is fixed at start, and changing it is INVALID_CONFIG, as Kafka answers for settings that are not
// dynamic. v1 no change, v2 flexible. Superseded by IncrementalAlterConfigs (44) in clients.
import { alterConfigResources } from '../config-resources.ts';
import { replaceConfigs } from '../log/config-changes.ts';
import { defineHandler } from './handler.ts';

export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  async handle(request, context) {
    const responses = await alterConfigResources(
      context,
      request.resources,
      request.validateOnly,
      replaceConfigs,
    );
    return { throttleTimeMs: 0, responses };
  },
});
