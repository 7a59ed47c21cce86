-- Up Migration
-- One row per message due: (event, recipient, channel) is the identity of a delivery,
-- so a redelivered event can never queue a second send.
CREATE TABLE deliveries (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL,
  event_type text NOT NULL,
  grievance_id uuid NOT NULL,
  recipient_kind text NOT NULL,
  recipient_id text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, recipient_kind, recipient_id, channel)
);

-- Down Migration
DROP TABLE deliveries;
