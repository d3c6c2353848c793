// DescribeConfigs v0–4 (KIP-133) for topics and this broker. Topic configs report their override, else the
// broker setting they fall back to, else the fixed value, with that source; those the broker does not let
// a client change are read-only. Broker settings are all read-only (they are fixed at start), and the
// cluster-wide default resource (name '') has no dynamic defaults to list. v1 added synonyms and the
// config source (KIP-226), v2 no change, v3 config type and documentation (KIP-569), v4 flexible.
import { brokerSetting, describeBrokerConfigs } from '../broker-configs.ts';
import { resolveResource } from '../config-resources.ts';
import { ConfigSource, type DescribedConfig, describeTopicConfigs } from '../log/topic-configs.ts';
import { defineHandler } from './handler.ts';

export const describeConfigsHandler = defineHandler({
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  handle(request, { state }) {
    const results = request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const resource = resolveResource(state, r.resourceType, r.resourceName);
      if ('errorCode' in resource) return { ...base, ...resource, configs: [] };
      let described: DescribedConfig[];
      if (resource.kind === 'topic') {
        described = describeTopicConfigs(
          resource.topic.configs,
          (name) => brokerSetting(state.config, name),
          r.configurationKeys,
        );
      } else {
        described = resource.clusterDefault ? [] : describeBrokerConfigs(state.config, r.configurationKeys);
      }
      return {
        ...base,
        errorCode: 0,
        errorMessage: null,
        configs: described.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === ConfigSource.DEFAULT_CONFIG,
          configSource: c.source,
          isSensitive: false,
          synonyms: request.includeSynonyms ? c.synonyms : [],
          configType: c.type,
          documentation: request.includeDocumentation ? c.documentation : null,
        })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
});
