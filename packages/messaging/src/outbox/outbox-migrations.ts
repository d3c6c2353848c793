// The outbox table, its indexes and the trigger that wakes relays; run with `runMigrations`.
import type { Migration } from '@tributary/database';

/** Channel the outbox trigger notifies on commit; the payload is the schema holding the table. */
export const OUTBOX_CHANNEL = 'outbox';

export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    id: 'tributary-outbox-001-table',
    sql: `
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        topic text NOT NULL,
        key text NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending' CONSTRAINT outbox_status_known CHECK (status IN ('pending', 'published')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        CONSTRAINT outbox_published_at_set CHECK ((status = 'published') = (published_at IS NOT NULL))
      );
      -- The relay's questions: the oldest pending rows, and whether an aggregate has an earlier pending row.
      CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
      CREATE INDEX outbox_pending_by_aggregate ON outbox (aggregate_type, aggregate_id, id) WHERE status = 'pending';
      CREATE INDEX outbox_published_at ON outbox (published_at) WHERE status = 'published';

      -- One notification per transaction (PostgreSQL folds identical ones), delivered only at commit.
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${OUTBOX_CHANNEL}', TG_TABLE_SCHEMA);
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
    `,
  },
];
