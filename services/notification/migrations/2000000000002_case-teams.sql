-- Up Migration
-- Which team handles each case now, from the case events that say so (assigned, queued,
-- reassigned, reopened, escalated, deadline events): a supervisor's delivery log shows the
-- deliveries of their team's cases, the complainant's receipt included.
CREATE TABLE case_teams (
  grievance_id uuid PRIMARY KEY,
  team_id text NOT NULL
);
CREATE INDEX case_teams_by_team ON case_teams (team_id);

-- Down Migration
DROP TABLE case_teams;
