-- Up Migration
-- Events of one transaction share a timestamp; the case version after each event orders them.
ALTER TABLE case_timeline ADD COLUMN version integer;
CREATE INDEX case_timeline_case_version ON case_timeline (case_id, version);

-- Down Migration
ALTER TABLE case_timeline DROP COLUMN version;
