-- Up Migration
-- The retention job deletes inbox rows by age.
CREATE INDEX inbox_applied_at ON inbox (applied_at);

-- Down Migration
DROP INDEX inbox_applied_at;
