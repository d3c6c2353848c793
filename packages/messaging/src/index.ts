export { type Clock, systemClock } from './clock.ts';
export {
  type ConsumedEvent,
  ConsumerRunner,
  type ConsumerRunnerEvents,
  type ConsumerRunnerOptions,
  createConsumerRunner,
  type EventHandler,
  type HandlerContext,
  type RecordReport,
} from './consumer/consumer-runner.ts';
export type {
  InboundMessage,
  MessageHandler,
  MessageOutcome,
  Middleware,
} from './consumer/message-pipeline.ts';
export type { InPlaceRetryOptions } from './consumer/middleware/retry.ts';
export {
  type AsyncApiDocument,
  type AsyncApiOptions,
  generateAsyncApi,
  type JsonObject,
  type JsonValue,
  toJsonSchema,
} from './contracts/asyncapi.ts';
export {
  type CompatibilityIssue,
  type CompatibilityReport,
  checkCompatibility,
  formatCompatibilityReport,
  type PublishedEvent,
  type PublishedSnapshot,
  parseSnapshot,
  snapshotOf,
} from './contracts/compatibility.ts';
export {
  type ContractDefinition,
  type ContractValidation,
  fromContract,
  toSchemaIssue,
} from './contracts/contract-adapter.ts';
export {
  type AnyEventDefinition,
  type CeType,
  ceTypeOf,
  defineEvent,
  type EventData,
  type EventDefinition,
  type EventDefinitionInput,
  parseCeType,
  type StringFieldOf,
} from './contracts/define-event.ts';
export {
  createEventRegistry,
  defineUpcaster,
  EventRegistry,
  type EventRegistryOptions,
  type Upcaster,
} from './contracts/event-registry.ts';
export { type BreakingRule, diffSchemas, type SchemaChange } from './contracts/schema-diff.ts';
export {
  type CreateEventOptions,
  createEvent,
  decodeEvent,
  type EventEnvelope,
  encodeEvent,
  Headers as CloudEventHeaders,
  JSON_CONTENT_TYPE,
} from './envelope/cloud-event.ts';
export {
  type DecodedKafkaMessage,
  fromKafkaMessage,
  type OutgoingMessage,
  type ToKafkaMessageOptions,
  toKafkaMessage,
} from './envelope/kafka-message.ts';
export {
  currentMessageContext,
  type MessageContext,
  runWithMessageContext,
} from './envelope/message-context.ts';
export {
  childTraceparent,
  formatTraceparent,
  parseTraceparent,
  type TraceParent,
} from './envelope/trace-context.ts';
export {
  CircuitOpenError,
  errorCodeOf,
  isRetriable,
  MessagingArgumentError,
  MessagingError,
  MessagingErrorCode,
  PublishFailedError,
  PublishTimeoutError,
  SchemaInvalidError,
  type SchemaIssue,
  TransportClosedError,
  TransportUnavailableError,
  UndecodableMessageError,
  UnknownEventTypeError,
  UnsupportedEventVersionError,
} from './errors.ts';
export { type HandleOnceResult, InboxError, type InboxMessageRef, inbox } from './inbox/inbox.ts';
export { INBOX_MIGRATIONS } from './inbox/inbox-migrations.ts';
export {
  clientSecurityOptions,
  describeKafkaSecurity,
  KAFKA_SASL_MECHANISMS,
  type KafkaSaslCredentials,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type KafkaTlsOptions,
} from './kafka/kafka-security.ts';
export type { KafkaTransportOptions } from './kafka/kafka-settings.ts';
export { createKafkaTransport, KafkaTransport, type KafkaTransportConfig } from './kafka/kafka-transport.ts';
export { type OutboxChange, type OutboxMessage, outbox } from './outbox/outbox.ts';
export { OutboxError, type OutboxErrorCode } from './outbox/outbox-error.ts';
export { OUTBOX_CHANNEL, OUTBOX_MIGRATIONS } from './outbox/outbox-migrations.ts';
export type { OutboxPublisher, OutboxRawMessage } from './outbox/outbox-publisher.ts';
export {
  createOutboxRelay,
  type OutboxBackoff,
  type OutboxRelay,
  type OutboxRelayOptions,
} from './outbox/outbox-relay.ts';
export {
  assertOutboxTransition,
  OUTBOX_STATUS_TRANSITIONS,
  type OutboxStatus,
} from './outbox/outbox-status.ts';
export type {
  CommitOffset,
  Consumer,
  ConsumerListener,
  ConsumerOptions,
  ConsumerStatus,
  PartitionLag,
  Publisher,
  RawMessage,
  TopicPartition,
  TopicSpec,
  Transport,
  TransportRecord,
} from './ports/transport.ts';
export {
  createEventPublisher,
  EventPublisher,
  type EventPublisherEvents,
  type EventPublisherOptions,
} from './producer/event-publisher.ts';
export {
  type CircuitStateName,
  PublishPolicy,
  type PublishPolicyOptions,
} from './producer/publish-policy.ts';
export {
  type DeadLetter,
  describeDeadLetter,
  listDeadLetters,
  type RedriveFilter,
  type RedriveOptions,
  type RedriveResult,
  redriveDeadLetters,
} from './retry/redrive.ts';
export { type RecordOrigin, RetryHeaders } from './retry/retry-headers.ts';
export { deadLetterTopicOf, redrivenTopicOf, retryTopicOf } from './retry/retry-topics.ts';
export { CHAINED_ROOT } from './telemetry/chained-context.ts';
export {
  type HistogramTally,
  readTalliedHistograms,
  type TalliedHistogramData,
} from './telemetry/tallied-histogram.ts';
