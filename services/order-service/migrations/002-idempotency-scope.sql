-- Idempotency keys are scoped to the operation they were used with (the same key on two routes is two
-- keys), and expire: rows older than the configured lifetime count as absent and are purged.
ALTER TABLE idempotency_keys ADD COLUMN scope text NOT NULL DEFAULT 'orders.place';
ALTER TABLE idempotency_keys ALTER COLUMN scope DROP DEFAULT;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
