// IncrementalAlterConfigs v0–1 (KIP-339): SET or DELETE single overrides of a topic or of a broker's
// dynamic settings (its id, or '' for every broker; see 33-alter-configs.ts for which exist). APPEND and
// SUBTRACT apply to list configs only, and the one list config (cleanup.policy) is read-only here, so they
// are INVALID_CONFIG. v1 flexible.
import { alterConfigResources } from '../config-resources.ts';
import { incrementConfigs } from '../log/config-changes.ts';
import { defineHandler } from './handler.ts';

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  async handle(request, context) {
    const responses = await alterConfigResources(
      context,
      request.resources,
      request.validateOnly,
      incrementConfigs,
    );
    return { throttleTimeMs: 0, responses };
  },
});
