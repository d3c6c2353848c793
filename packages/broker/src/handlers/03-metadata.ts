// Metadata v0–12. A single node leads every partition (leader epoch 0, replicas = ISR = [this node]).
// v1 added rack, controllerId, isInternal and null = "all topics"; v2 clusterId; v4 allowAutoTopicCreation;
// v5 offlineReplicas; v7 leaderEpoch (KIP-320); v8 authorized operations (KIP-430); v9 flexible; v10 topicId (KIP-516); v11 drops cluster authorized operations;
// v12 allows lookup by topic id (name null).
// Differs from Kafka: v0 with an empty topic list also means "all topics" as in Kafka, and auto-creation
// happens synchronously, so the first response already lists the new topic's partitions.
// With the acl authorizer, as Kafka: a listing shows only topics the principal may DESCRIBE, a topic asked
// for by name without DESCRIBE is TOPIC_AUTHORIZATION_FAILED (whether it exists or not), and a missing topic
// is auto-created only with CREATE on the cluster or the topic (else TOPIC_AUTHORIZATION_FAILED).

import { ErrorCode } from '../error-codes.ts';
import type { TopicInfo } from '../log/index.ts';
import {
  AclOperation,
  authorizedOperations,
  may,
  mayAutoCreate,
  maySee,
  ResourceType,
} from '../security/access.ts';
import { CLUSTER_NAME } from '../security/acl.ts';
import { defineHandler } from './handler.ts';

const NO_OPERATIONS = -2147483648;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export const metadataHandler = defineHandler({
  apiKey: 3,
  async handle(request, context) {
    const { state, apiVersion } = context;
    const { logs, config } = state;
    const nodeId = config.nodeId;
    const describe = (t: TopicInfo) => ({
      errorCode: 0,
      name: t.name,
      topicId: t.topicId,
      isInternal: false,
      partitions: Array.from({ length: t.partitions }, (_, i) => ({
        errorCode: 0,
        partitionIndex: i,
        leaderId: nodeId,
        leaderEpoch: 0,
        replicaNodes: [nodeId],
        isrNodes: [nodeId],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: request.includeTopicAuthorizedOperations
        ? authorizedOperations(context, ResourceType.TOPIC, t.name)
        : NO_OPERATIONS,
    });
    const failed = (name: string | null, topicId: string, errorCode: number) => ({
      errorCode,
      name,
      topicId,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: NO_OPERATIONS,
    });

    const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    const topics = [];
    if (all) {
      for (const t of logs.listTopics())
        if (maySee(context, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name)) topics.push(describe(t));
    } else {
      const allowAuto = apiVersion < 4 ? true : request.allowAutoTopicCreation;
      for (const wanted of request.topics ?? []) {
        if (wanted.name === null || wanted.name === undefined) {
          const byId = logs.getTopicById(wanted.topicId);
          topics.push(byId ? describe(byId) : failed(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
          continue;
        }
        if (!may(context, AclOperation.DESCRIBE, ResourceType.TOPIC, wanted.name)) {
          topics.push(failed(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        const existing = logs.getTopic(wanted.name);
        if (!existing && allowAuto && config.autoCreateTopics && !mayAutoCreate(context, wanted.name)) {
          topics.push(failed(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
          continue;
        }
        const found = existing ?? (await state.topicOrAutoCreate(wanted.name, allowAuto));
        topics.push(typeof found === 'number' ? failed(wanted.name, ZERO_UUID, found) : describe(found));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [
        {
          nodeId,
          host: state.advertisedHost,
          port: context.connection.listenerPort ?? state.advertisedPort,
          rack: null,
        },
      ],
      clusterId: state.clusterId,
      controllerId: nodeId,
      topics,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
        ? authorizedOperations(context, ResourceType.CLUSTER, CLUSTER_NAME)
        : NO_OPERATIONS,
    };
  },
});
