-- LOCAL ONLY (docker compose): the compose Postgres runs this once, as its superuser, in the
-- grievance_hub database. Each service logs in as its own role, which owns its own schema and
-- has no right on the others' schemas nor to create schemas; its migrations run in that schema.
-- The passwords are as public as this file: a real deployment makes its roles elsewhere.

-- Triage's trigram index needs pg_trgm, which only a role that may create in the database can add.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
-- Triage's description signatures are compared with intarray's intersection.
CREATE EXTENSION IF NOT EXISTS intarray WITH SCHEMA public;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE ROLE gh_intake LOGIN PASSWORD 'local-only-intake-password';
CREATE SCHEMA intake AUTHORIZATION gh_intake;

CREATE ROLE gh_triage LOGIN PASSWORD 'local-only-triage-password';
CREATE SCHEMA triage AUTHORIZATION gh_triage;

CREATE ROLE gh_notification LOGIN PASSWORD 'local-only-notification-password';
CREATE SCHEMA notification AUTHORIZATION gh_notification;

-- The console keeps its sign-in sessions (shared by its replicas) and nothing else.
CREATE ROLE gh_console LOGIN PASSWORD 'local-only-console-password';
CREATE SCHEMA console AUTHORIZATION gh_console;

-- The keyring (one wrapped data key per person) is shared by the services: its schema belongs to
-- gh_keyring, a role without login that every service role is a member of. The first service to
-- migrate creates keyring.data_keys and hands it to gh_keyring (kit migration 1000000000060).
CREATE ROLE gh_keyring NOLOGIN;
CREATE SCHEMA keyring AUTHORIZATION gh_keyring;
GRANT gh_keyring TO gh_intake, gh_triage, gh_notification;
