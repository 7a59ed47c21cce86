-- Up Migration
-- Who read which record's personal data through the API, when, on what grounds, and who was
-- refused: one row per read, written in the request that read. Ids and roles only, no personal
-- data. Append-only, enforced here rather than trusted to the code: a trigger refuses every
-- UPDATE, DELETE and TRUNCATE, whoever sends it (the retention job included).
CREATE TABLE access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- 'case' (triage's case id), 'grievance' (the grievance id) or 'recipient' (kind:id of a staff recipient)
  record_kind text NOT NULL,
  record_id text NOT NULL,
  -- the token's subject; NULL for a complainant, who is known by nothing but the tracking code
  actor_id text,
  actor_role text NOT NULL,
  -- why the read was allowed (own_case, team_case, supervisor, operator, admin, complainant); NULL when refused
  reason text,
  route text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('granted', 'refused')),
  CHECK ((outcome = 'granted') = (reason IS NOT NULL))
);
CREATE INDEX access_log_by_record ON access_log (record_kind, record_id, id);

CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER access_log_no_update_or_delete BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM PUBLIC;

-- Down Migration
DROP TABLE access_log;
DROP FUNCTION access_log_append_only();
