-- Up Migration
-- People's mediators of community and street mediation committees, distinct from caseworkers.
-- name is personal data.
CREATE TABLE mediators (
  id text PRIMARY KEY,
  name text NOT NULL,
  level text NOT NULL CHECK (level IN ('community', 'street')),
  division_prefix text NOT NULL CHECK (division_prefix ~ '^[0-9]{2,12}$'),
  specialties text[] NOT NULL,
  languages text[] NOT NULL,
  capacity integer NOT NULL CHECK (capacity >= 0),
  active boolean NOT NULL DEFAULT true,
  last_assigned_at timestamptz
);

-- A mediator's open cases (routing counts them) and sessions (a mediator is in one at a time).
CREATE INDEX cases_mediator ON cases ((state -> 'dispute' ->> 'mediatorId')) WHERE state -> 'dispute' ->> 'mediatorId' IS NOT NULL;

-- Down Migration
DROP INDEX cases_mediator;
DROP TABLE mediators;
