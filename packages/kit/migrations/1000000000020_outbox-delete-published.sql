-- Up Migration
-- The relay deletes a row once Kafka has acknowledged it: every row in the outbox is unpublished,
-- and the table stays as small as the relay's lag.
DELETE FROM outbox WHERE sent_at IS NOT NULL;
DROP INDEX outbox_unsent;
ALTER TABLE outbox DROP COLUMN sent_at;

-- Down Migration
ALTER TABLE outbox ADD COLUMN sent_at timestamptz;
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
