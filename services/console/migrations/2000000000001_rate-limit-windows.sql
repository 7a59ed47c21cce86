-- Up Migration
-- Sign-in attempts counted in Postgres, so every console replica spends one budget per client
-- (the kit's table, which the console does not otherwise take). The key is a hash: a client
-- address is personal data.
CREATE TABLE rate_limit_windows (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_windows_expiry ON rate_limit_windows (expires_at);

-- Down Migration
DROP TABLE rate_limit_windows;
