-- migrate_script: the SQL an upgrade or downgrade would run, bookkeeping included (server-side --sql).
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_script;
\c regress_script
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema
-- migrate:upgrade
CREATE TABLE sc_orgs (id int PRIMARY KEY);
-- migrate:downgrade
DROP TABLE sc_orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams
-- lock_timeout: 5s
-- migrate:upgrade
CREATE TABLE sc_teams (id int PRIMARY KEY, org_id int REFERENCES sc_orgs);
INSERT INTO sc_teams SELECT 1, NULL WHERE 'it''s' <> '';
-- migrate:downgrade
DROP TABLE sc_teams;
-- migrate:verify
SELECT count(*) = 1 FROM sc_teams;
$m$, '20260223_1810_002_add_teams.sql');

-- Scripts are printed as plain text.
\pset format unaligned
\pset tuples_only on

-- From base to head.
SELECT migrate_script('upgrade', 'head');

-- It only prints: nothing was applied.
SELECT count(*) AS applied FROM migrate.version;
SELECT to_regclass('sc_orgs') AS sc_orgs;

-- From the current version.
SELECT revision FROM migrate_upgrade('001');
SELECT migrate_script('upgrade', '+1');
SELECT migrate_script('downgrade', 'base');

-- At head there is nothing to do.
SELECT revision FROM migrate_upgrade('head');
SELECT migrate_script('upgrade', 'head');

-- Errors.
SELECT migrate_script('sideways', 'head');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_script('upgrade', 'nope');
\echo :LAST_ERROR_SQLSTATE

\pset format aligned
\pset tuples_only off
SELECT revision FROM migrate_downgrade('base');
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_script;
