-- Up Migration
-- Sessions and pending sign-ins shared by every console replica. A row is keyed by the SHA-256 of
-- the id in the browser's cookie (the id itself is never stored); the person's name and tokens are
-- sealed under a key derived from that id, so the rows alone (a dump, a backup) sign nobody in.
CREATE TABLE sessions (
  key bytea PRIMARY KEY,
  sub text NOT NULL,
  role text NOT NULL,
  team text,
  expires_at timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  sealed text NOT NULL
);
-- The clean-up deletes by either column.
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen);

CREATE TABLE sign_ins (
  key bytea PRIMARY KEY,
  created_at timestamptz NOT NULL,
  sealed text NOT NULL
);
CREATE INDEX sign_ins_created_at ON sign_ins (created_at);

-- Down Migration
DROP TABLE sign_ins;
DROP TABLE sessions;
