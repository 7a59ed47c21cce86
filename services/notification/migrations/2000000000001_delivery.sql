-- Up Migration
-- Who may be told, and how: caseworkers by their id, a team's supervisors by the team id.
CREATE TABLE recipients (
  kind text NOT NULL CHECK (kind IN ('caseworker', 'team_supervisor')),
  id text NOT NULL,
  language text NOT NULL DEFAULT 'zh',
  webhook_url text,
  webhook_secret text,
  email text,
  sms_phone text,
  feed boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, id),
  CHECK ((webhook_url IS NULL) = (webhook_secret IS NULL))
);

-- What notification needs of a complainant, from grievance.received.v1, and nothing more:
-- the phone only when they agreed to be contacted.
CREATE TABLE complainants (
  grievance_id uuid PRIMARY KEY,
  tracking_code text NOT NULL,
  anonymous boolean NOT NULL,
  consent boolean NOT NULL,
  language text NOT NULL,
  phone text,
  CHECK (phone IS NULL OR (consent AND NOT anonymous))
);

-- The event a delivery came from, kept while one of its deliveries is unfinished, so a
-- delivery that fails for good can go to the dead-letter topic with it.
CREATE TABLE source_events (
  event_id text PRIMARY KEY,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  message_key text NOT NULL,
  headers jsonb NOT NULL,
  payload text NOT NULL
);

-- Rows recorded before there were channels have nothing to send.
UPDATE deliveries SET status = 'skipped' WHERE status = 'pending';

ALTER TABLE deliveries
  ADD COLUMN delivery_key uuid,
  ADD COLUMN template text,
  ADD COLUMN language text,
  ADD COLUMN variables jsonb,
  ADD COLUMN subject text,
  ADD COLUMN body text,
  ADD COLUMN html text,
  ADD COLUMN destination text,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN last_attempt_at timestamptz,
  ADD COLUMN sent_at timestamptz,
  ADD COLUMN last_error text,
  ADD COLUMN dead_letter_published_at timestamptz,
  ADD COLUMN replays integer NOT NULL DEFAULT 0,
  ADD CONSTRAINT deliveries_status CHECK (status IN ('pending', 'sent', 'dead_lettered', 'skipped'));
CREATE UNIQUE INDEX deliveries_key ON deliveries (delivery_key);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_dead_letters_unpublished ON deliveries (id) WHERE status = 'dead_lettered' AND dead_letter_published_at IS NULL;
CREATE INDEX deliveries_grievance ON deliveries (grievance_id);
CREATE INDEX deliveries_recipient ON deliveries (recipient_kind, recipient_id);

-- Every attempt, for the delivery log: how often, when, with which result.
CREATE TABLE delivery_attempts (
  id bigserial PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES deliveries (id),
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'transient_error', 'permanent_error')),
  error text,
  provider_id text
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- The live feed: one row per notification to a caseworker or a team's supervisors. `seq`
-- is the SSE event id; rows are written under a lock so seq order is commit order and a
-- client resuming after seq N misses nothing.
CREATE TABLE feed (
  seq bigserial PRIMARY KEY,
  delivery_id bigint NOT NULL REFERENCES deliveries (id),
  recipient_kind text NOT NULL,
  recipient_id text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  template text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  facts jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_recipient ON feed (recipient_kind, recipient_id, seq);

-- Down Migration
DROP TABLE feed;
DROP TABLE delivery_attempts;
ALTER TABLE deliveries
  DROP CONSTRAINT deliveries_status,
  DROP COLUMN delivery_key, DROP COLUMN template, DROP COLUMN language, DROP COLUMN variables,
  DROP COLUMN subject, DROP COLUMN body, DROP COLUMN html, DROP COLUMN destination,
  DROP COLUMN next_attempt_at, DROP COLUMN last_attempt_at, DROP COLUMN sent_at, DROP COLUMN last_error,
  DROP COLUMN dead_letter_published_at, DROP COLUMN replays;
DROP TABLE source_events;
DROP TABLE complainants;
DROP TABLE recipients;
