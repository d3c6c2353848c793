// The table the inbox records handled messages in; run with `runMigrations` next to the service's own.
import type { Migration } from '@tributary/database';

export const INBOX_MIGRATIONS: readonly Migration[] = [
  {
    id: 'tributary-inbox-001-processed-messages',
    sql: `
      CREATE TABLE processed_messages (
        consumer_group text NOT NULL,
        message_id text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, message_id)
      );
      CREATE INDEX processed_messages_processed_at ON processed_messages (processed_at);
    `,
  },
];
