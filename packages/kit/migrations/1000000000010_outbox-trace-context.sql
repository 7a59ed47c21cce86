-- Up Migration
-- The W3C trace context of the transaction that wrote the row (null when nothing was traced):
-- the relay publishes the row in a span that continues it, so a trace runs through Kafka.
ALTER TABLE outbox ADD COLUMN traceparent text;

-- Down Migration
ALTER TABLE outbox DROP COLUMN traceparent;
