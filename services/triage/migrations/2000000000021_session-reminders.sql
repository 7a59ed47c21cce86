-- Up Migration
-- Session reminders sent, so each session's reminder goes out once (a moved session is reminded again).
CREATE TABLE session_reminders (
  case_id uuid NOT NULL REFERENCES cases (id),
  session_id text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (case_id, session_id, at)
);

-- Down Migration
DROP TABLE session_reminders;
