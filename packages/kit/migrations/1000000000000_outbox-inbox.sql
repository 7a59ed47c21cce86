-- Up Migration
-- Transactional outbox: written in the same transaction as the state change it announces;
-- the relay publishes rows in id order and marks them sent.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  topic text NOT NULL,
  message_key text NOT NULL,
  headers jsonb NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Inbox: the events this service has applied, recorded in the same transaction as the
-- projection change, so a redelivered event changes nothing.
CREATE TABLE inbox (
  event_id text PRIMARY KEY,
  event_type text NOT NULL,
  topic text NOT NULL,
  kafka_partition int NOT NULL,
  kafka_offset bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE inbox;
DROP TABLE outbox;
