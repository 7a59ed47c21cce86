-- Up Migration
-- Triage applies grievance.received a partition batch at a time; partitions are districts
-- (partitionKeyFor), and no row is written from two partitions.

-- The directory (teams, caseworkers) is held in memory by each triage replica; every write to
-- it moves this version, which the consumer reads with each batch's caseworker loads and
-- reloads the directory when it moved. last_assigned_at is a load, not the directory.
CREATE TABLE directory_version (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), version bigint NOT NULL);
INSERT INTO directory_version (version) VALUES (1);
CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE directory_version SET version = version + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER teams_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER caseworkers_added_or_removed AFTER INSERT OR DELETE OR TRUNCATE ON caseworkers FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();
CREATE TRIGGER caseworkers_changed AFTER UPDATE OF team_id, name, categories, languages, capacity, active ON caseworkers FOR EACH STATEMENT EXECUTE FUNCTION directory_changed();

-- When a caseworker was last given a case, per district: each partition (district) writes only
-- its own rows, even for a team above district level whose caseworkers serve several districts.
CREATE TABLE caseworker_assignments (
  caseworker_id text NOT NULL,
  district text NOT NULL,
  last_assigned_at timestamptz NOT NULL,
  PRIMARY KEY (caseworker_id, district)
);

-- The related-grievance search reads a bounded number of a division's most recent cases
-- (cases_division_received) and compares their descriptions; a trigram index over every
-- description ever received grew with the table and cost every insert its upkeep.
DROP INDEX cases_description_trgm;

-- Down Migration
CREATE INDEX cases_description_trgm ON cases USING gin (description public.gin_trgm_ops);
DROP TABLE caseworker_assignments;
DROP TRIGGER caseworkers_changed ON caseworkers;
DROP TRIGGER caseworkers_added_or_removed ON caseworkers;
DROP TRIGGER teams_changed ON teams;
DROP FUNCTION directory_changed();
DROP TABLE directory_version;
