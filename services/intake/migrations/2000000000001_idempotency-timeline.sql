-- Up Migration
-- The first answer given to a request with an Idempotency-Key, per caller, so a retry
-- (also after a restart) gets the same answer and never a second grievance.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- What intake has learnt of each grievance from triage's case events.
CREATE TABLE timeline (
  event_id text PRIMARY KEY,
  grievance_id uuid NOT NULL REFERENCES grievances (id),
  event_type text NOT NULL,
  status text NOT NULL,
  level text,
  at timestamptz NOT NULL
);
CREATE INDEX timeline_grievance ON timeline (grievance_id, at);
ALTER TABLE grievances ADD COLUMN handling_level text;

-- Down Migration
ALTER TABLE grievances DROP COLUMN handling_level;
DROP TABLE timeline;
DROP TABLE idempotency_keys;
