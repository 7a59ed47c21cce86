-- Up Migration
-- The keys Open311 clients post service requests with. Only a SHA-256 of each key is kept:
-- keys are 256 random bits, so a plain hash cannot be reversed by guessing.
CREATE TABLE open311_api_keys (
  key_hash text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
-- One working key per name, so `revoke --name` is unambiguous; a revoked name can be reused.
CREATE UNIQUE INDEX open311_api_keys_active_name ON open311_api_keys (name) WHERE revoked_at IS NULL;

-- GET requests.json is public and lists Open311 grievances newest first within a window.
CREATE INDEX grievances_open311_received ON grievances (received_at DESC) WHERE channel = 'open311';

-- Down Migration
DROP INDEX grievances_open311_received;
DROP TABLE open311_api_keys;
