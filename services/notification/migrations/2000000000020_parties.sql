-- Up Migration
-- The other parties to a dispute, as far as a session reminder needs them: the phone only when
-- they consented to be contacted (personal data, from the internal topic only).
CREATE TABLE parties (
  grievance_id uuid NOT NULL,
  party_id text NOT NULL,
  consent boolean NOT NULL,
  language text NOT NULL,
  phone text,
  PRIMARY KEY (grievance_id, party_id)
);

-- Down Migration
DROP TABLE parties;
