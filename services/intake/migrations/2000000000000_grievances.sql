-- Up Migration
CREATE TABLE grievances (
  id uuid PRIMARY KEY,
  tracking_code text NOT NULL UNIQUE,
  channel text NOT NULL,
  received_at timestamptz NOT NULL,
  division_code text NOT NULL,
  language text NOT NULL,
  description text NOT NULL,
  anonymous boolean NOT NULL,
  complainant_name text,
  complainant_phone text,
  phone_hash text,
  consent_to_contact boolean NOT NULL DEFAULT false,
  address text,
  latitude double precision,
  longitude double precision,
  hints jsonb,
  external_reference text,
  status text NOT NULL DEFAULT 'received',
  status_changed_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE grievances;
