// DescribeConfigs v0–4 (KIP-133) for topics and brokers. Topic configs report their override, else the
// broker setting they fall back to, else the fixed value, with that source; those the broker does not let
// a client change are read-only. Broker settings report a dynamic value set for this broker or cluster-wide
// (KIP-226), else the flag given at start, else the default; only the topic defaults Kafka makes dynamic
// can change. The cluster-wide resource (name '') lists only what was set there, as in Kafka. v1 added
// synonyms and the config source (KIP-226), v2 no change, v3 config type and documentation (KIP-569),
// v4 flexible.
import { describeBrokerConfigs, settingChain } from '../broker-configs.ts';
import { configAccessRefusal, resolveResource } from '../config-resources.ts';
import { ConfigSource, type DescribedConfig, describeTopicConfigs } from '../log/topic-configs.ts';
import { AclOperation } from '../security/access.ts';
import { defineHandler } from './handler.ts';

export const describeConfigsHandler = defineHandler({
  apiKey: 32,
  handle(request, context) {
    const { state } = context;
    const results = request.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const resource =
        configAccessRefusal(context, AclOperation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName) ??
        resolveResource(state, r.resourceType, r.resourceName);
      if ('errorCode' in resource) return { ...base, ...resource, configs: [] };
      const described: DescribedConfig[] =
        resource.kind === 'topic'
          ? describeTopicConfigs(
              resource.topic.configs,
              (name) => settingChain(state.config, state.dynamicConfigs, name),
              r.configurationKeys,
            )
          : describeBrokerConfigs(state.config, state.dynamicConfigs, resource.scope, r.configurationKeys);
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
