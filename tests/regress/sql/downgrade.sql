-- migrate_downgrade: reverse steps, children first.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_downgrade;
\c regress_downgrade
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema
-- migrate:upgrade
CREATE TABLE down_orgs (id int PRIMARY KEY);
-- migrate:downgrade
DROP TABLE down_orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams
-- migrate:upgrade
CREATE TABLE down_teams (id int PRIMARY KEY);
-- migrate:downgrade
DROP TABLE down_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: add users
-- migrate:upgrade
CREATE TABLE down_users (id int PRIMARY KEY);
-- migrate:downgrade
DROP TABLE down_users;
$m$, '20260223_1820_003_add_users.sql');
SELECT revision FROM migrate_upgrade('head');

-- One step down.
SELECT revision, down_revision, message, duration_ms >= 0 AS timed FROM migrate_downgrade('-1');
SELECT * FROM migrate_current();
SELECT to_regclass('down_users') AS down_users, to_regclass('down_teams') AS down_teams;

-- Down to a named revision, then to base.
SELECT revision, down_revision, message FROM migrate_downgrade('001');
SELECT revision, down_revision, message FROM migrate_downgrade('base');
SELECT count(*) AS applied FROM migrate.version;
SELECT to_regclass('down_orgs') AS down_orgs;
SELECT revision, direction, down_revision FROM migrate.log ORDER BY id;

-- At base, downgrading to base is a no-op.
SELECT * FROM migrate_downgrade('base');

-- Back up, and down in one transaction that is rolled back: nothing changes.
SELECT revision FROM migrate_upgrade('head');
BEGIN;
SELECT revision FROM migrate_downgrade('base');
ROLLBACK;
SELECT * FROM migrate_current();

-- Relative to a named point.
SELECT revision FROM migrate_downgrade('head-2');
SELECT * FROM migrate_current();

-- Downgrading to a revision above the current one is refused.
SELECT revision FROM migrate_downgrade('003');
\echo :LAST_ERROR_SQLSTATE

SELECT revision FROM migrate_downgrade('base');
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_downgrade;
