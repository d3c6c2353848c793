export {
  type ContractDefinition,
  type ContractValidation,
  fromContract,
  toSchemaIssue,
} from './contracts/contract-adapter.ts';
export type {
  Database,
  DatabaseKind,
  Migration,
  PgliteDatabaseOptions,
  PostgresDatabaseOptions,
  QueryResult,
  SqlExecutor,
} from './db/database.ts';
export { DatabaseError, type DatabaseErrorCode, isUniqueViolation, SqlState } from './db/database-error.ts';
export { runMigrations } from './db/migrations.ts';
export { createPgliteDatabase } from './db/pglite-database.ts';
export { createPostgresDatabase } from './db/postgres-database.ts';
export {
  type DecodedKafkaMessage,
  fromKafkaMessage,
  type OutgoingMessage,
  type ToKafkaMessageOptions,
  toKafkaMessage,
} from './envelope/kafka-message.ts';
export { type HandleOnceResult, InboxError, type InboxMessageRef, inbox } from './inbox/inbox.ts';
export { INBOX_MIGRATIONS } from './inbox/inbox-migrations.ts';
export { type OutboxMessage, outbox } from './outbox/outbox.ts';
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
