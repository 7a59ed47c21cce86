-- Up Migration
-- The keyring every service shares (schema `keyring`, outside the services' own): one data key per
-- person, wrapped by the key-encryption key. Destroying a key (wrapped_key NULL) erases the person
-- from every table, topic and backup that holds values sealed under it. Each service's migrations
-- run this; the lock makes the first one create and the others find it.
SELECT pg_advisory_xact_lock(hashtext('grievance-hub keyring'));
DO $$
BEGIN
  -- CREATE SCHEMA IF NOT EXISTS needs the right to create schemas even when it exists; where the
  -- platform made the schema (compose, k8s), the service roles have no such right.
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'keyring') THEN
    CREATE SCHEMA keyring;
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS keyring.data_keys (
  key_id uuid PRIMARY KEY,
  -- whose key: `phone:<keyed hash>` for a caller, `grievance:<id>` for one without a phone
  subject text NOT NULL,
  -- `<provider>:v<KEK version>:…`; NULL once destroyed
  wrapped_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  destroyed_at timestamptz,
  CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
-- One live key per subject; a subject erased and heard from again gets a new key.
CREATE UNIQUE INDEX IF NOT EXISTS data_keys_live_subject ON keyring.data_keys (subject) WHERE destroyed_at IS NULL;
-- The table belongs to the schema's owner (a group role every service role is a member of, in
-- compose and k8s), not to whichever service migrated first, so every service may use it.
DO $$
DECLARE
  schema_owner regrole := (SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'keyring');
BEGIN
  IF (SELECT relowner::regrole FROM pg_class WHERE oid = 'keyring.data_keys'::regclass) <> schema_owner THEN
    EXECUTE format('ALTER TABLE keyring.data_keys OWNER TO %s', schema_owner);
  END IF;
END $$;

-- Down Migration
-- The keyring is shared by every service: rolling one service back leaves it in place.
SELECT 1;
