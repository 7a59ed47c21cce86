-- Up Migration
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Who handles what, where: managed through the admin API.
CREATE TABLE teams (
  id text PRIMARY KEY,
  name text NOT NULL,
  level text NOT NULL CHECK (level IN ('community', 'street', 'district')),
  division_prefix text NOT NULL CHECK (division_prefix ~ '^[0-9]{2,12}$'),
  categories text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE caseworkers (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  name text NOT NULL,
  categories text[] NOT NULL,
  languages text[] NOT NULL,
  capacity integer NOT NULL CHECK (capacity >= 0),
  active boolean NOT NULL DEFAULT true,
  last_assigned_at timestamptz
);
CREATE INDEX caseworkers_team ON caseworkers (team_id);

-- The case projection: the decider's state as JSON, plus the columns queries and the
-- deadline scheduler need.
ALTER TABLE cases
  ADD COLUMN state jsonb,
  ADD COLUMN description text,
  ADD COLUMN team_id text,
  ADD COLUMN team_level text,
  ADD COLUMN caseworker_id text,
  ADD COLUMN acknowledge_by timestamptz,
  ADD COLUMN resolve_by timestamptz,
  ADD COLUMN acknowledged boolean NOT NULL DEFAULT false,
  ADD COLUMN breached_acknowledge boolean NOT NULL DEFAULT false,
  ADD COLUMN breached_resolve boolean NOT NULL DEFAULT false,
  ADD COLUMN repeat_count integer NOT NULL DEFAULT 0,
  ADD COLUMN updated_at timestamptz;
CREATE INDEX cases_open_by_phone ON cases (phone_hash, category) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX cases_caseworker ON cases (caseworker_id) WHERE status IN ('assigned', 'accepted', 'in_mediation');
CREATE INDEX cases_team ON cases (team_id);
CREATE INDEX cases_deadlines ON cases (acknowledge_by, resolve_by) WHERE status IN ('triaged', 'queued', 'assigned', 'accepted', 'in_mediation');
CREATE INDEX cases_description_trgm ON cases USING gin (description public.gin_trgm_ops);

-- Grievances that joined an existing case (repeats) or point at a similar one (related).
CREATE TABLE case_links (
  case_id uuid NOT NULL REFERENCES cases (id),
  grievance_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('repeat', 'related')),
  related_case_id uuid,
  similarity real,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, grievance_id, kind)
);

-- Every event of a case, for its timeline.
CREATE TABLE case_timeline (
  event_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  type text NOT NULL,
  actor_id text NOT NULL,
  actor_role text NOT NULL,
  at timestamptz NOT NULL,
  facts jsonb NOT NULL
);
CREATE INDEX case_timeline_case ON case_timeline (case_id, at);

-- Reminders sent before a deadline, so each goes out once.
CREATE TABLE deadline_reminders (
  case_id uuid NOT NULL REFERENCES cases (id),
  deadline text NOT NULL,
  due_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, deadline, due_at)
);

-- Down Migration
DROP TABLE deadline_reminders;
DROP TABLE case_timeline;
DROP TABLE case_links;
ALTER TABLE cases DROP COLUMN state, DROP COLUMN description, DROP COLUMN team_id, DROP COLUMN team_level,
  DROP COLUMN caseworker_id, DROP COLUMN acknowledge_by, DROP COLUMN resolve_by, DROP COLUMN acknowledged,
  DROP COLUMN breached_acknowledge, DROP COLUMN breached_resolve, DROP COLUMN repeat_count, DROP COLUMN updated_at;
DROP TABLE caseworkers;
DROP TABLE teams;
