-- migrate_upgrade: apply the plan in the caller's transaction, one row per step.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_upgrade;
\c regress_upgrade
CREATE EXTENSION migrate;
CREATE SCHEMA up_app;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE orgs (id int PRIMARY KEY, name text NOT NULL);

-- migrate:downgrade
DROP TABLE orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams
-- lock_timeout: 5s

-- migrate:upgrade
CREATE TABLE teams (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs);
-- The statement runs with the revision's lock_timeout and the caller's search_path.
CREATE TABLE settings_seen AS
  SELECT current_setting('lock_timeout') AS lock_timeout,
         current_setting('search_path') AS search_path;

-- migrate:downgrade
DROP TABLE settings_seen;
DROP TABLE teams;

-- migrate:verify
SELECT count(*) = 0 FROM teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: add users

-- migrate:upgrade
CREATE TABLE users (
    id int PRIMARY KEY,
    team_id int REFERENCES teams,
    note text DEFAULT 'a ; inside a string'   -- and ; in a comment
);
/* a block comment; with a semicolon */
CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM users;
$$;

-- migrate:downgrade
DROP FUNCTION user_count();
DROP TABLE users;
$m$, '20260223_1820_003_add_users.sql');

-- User SQL lands in the caller's schema, as with psql -f.
SET search_path = up_app, public;
SET lock_timeout = '1min';

-- One step up.
SELECT revision, down_revision, message, duration_ms >= 0 AS timed FROM migrate_upgrade('+1');
SELECT * FROM migrate_current();

-- Up to a named revision: one row per step.
SELECT revision, down_revision, message FROM migrate_upgrade('002');

-- The revision's settings applied to its statements only; the caller's are back.
SELECT * FROM up_app.settings_seen;
SHOW lock_timeout;
SHOW search_path;

-- The rest (default target: head), from the target list too.
SELECT (migrate_upgrade()).revision;
SELECT up_app.user_count();
SELECT table_schema, table_name FROM information_schema.tables
WHERE table_name IN ('orgs', 'teams', 'users', 'settings_seen') ORDER BY table_name;

-- The version row and the audit log.
SELECT * FROM migrate.version;
SELECT revision, direction, down_revision, duration_ms >= 0 AS timed, finished_at >= started_at AS ordered,
       "session_user" = session_user AS by_session_user, length(checksum) AS checksum_length,
       application_name
FROM migrate.log ORDER BY id;

-- Asked for (pgmigrate's [k/N] status line), each step's notice says where it is in its plan.
BEGIN;
SET LOCAL migrate.step_count = on;
SELECT revision FROM migrate_downgrade('001');
SELECT revision FROM migrate_upgrade('head');
ROLLBACK;

-- At head, upgrading again is a no-op: no steps, no log rows.
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_upgrade('heads');
SELECT count(*) AS log_rows FROM migrate.log;
SELECT migrate_check();

-- All or nothing in the caller's transaction: a rollback takes the steps back.
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: add agents

-- migrate:upgrade
CREATE TABLE agents (id int PRIMARY KEY);
$m$, '20260223_1830_004_add_agents.sql');
BEGIN;
SELECT revision FROM migrate_upgrade();
SELECT revision FROM migrate.version;
ROLLBACK;
SELECT revision FROM migrate.version;
SELECT to_regclass('up_app.agents') AS agents;

-- A failing verify section fails the upgrade (23514) and nothing of it stays.
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: add agents

-- migrate:upgrade
CREATE TABLE agents (id int PRIMARY KEY);
INSERT INTO agents VALUES (1);

-- migrate:verify
SELECT count(*) = 0 FROM agents;
$m$, '20260223_1830_004_add_agents.sql');
SELECT revision FROM migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate.version;
SELECT to_regclass('up_app.agents') AS agents;

RESET search_path;
RESET lock_timeout;
DROP EXTENSION migrate;
DROP SCHEMA up_app CASCADE;
\c :regress_home
DROP DATABASE regress_upgrade;
