-- Up Migration
-- Triage's projection of case state. Classification columns stay null until the
-- classifier has run.
CREATE TABLE cases (
  id uuid PRIMARY KEY,
  grievance_id uuid NOT NULL UNIQUE,
  tracking_code text NOT NULL,
  division_code text NOT NULL,
  language text NOT NULL,
  phone_hash text,
  status text NOT NULL,
  category text,
  urgency text,
  received_at timestamptz NOT NULL,
  opened_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1
);

-- Down Migration
DROP TABLE cases;
