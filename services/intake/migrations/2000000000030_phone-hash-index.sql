-- Up Migration
-- The operator's caller history looks grievances up by the caller's keyed phone hash.
CREATE INDEX grievances_phone_hash ON grievances (phone_hash, received_at DESC) WHERE phone_hash IS NOT NULL;

-- Down Migration
DROP INDEX grievances_phone_hash;
