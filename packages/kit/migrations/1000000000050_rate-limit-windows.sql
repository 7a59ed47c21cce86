-- Up Migration
-- Rate-limit windows shared by every replica of a service: one row per client key and route,
-- counted by one upsert per request. The key is a hash (a client address is personal data).
CREATE TABLE rate_limit_windows (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_windows_expiry ON rate_limit_windows (expires_at);

-- Down Migration
DROP TABLE rate_limit_windows;
