-- Every error users will search for, with its SQLSTATE.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_errors;
\c regress_errors
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE err_orgs (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE err_orgs;
$m$, '20260223_1800_001_initial_schema.sql');

-- Unknown revisions.
SELECT * FROM migrate_upgrade('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_downgrade('nope');
\echo :LAST_ERROR_SQLSTATE

-- Not up to date.
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE

-- A failing step names the revision, the direction and the file line, keeps PostgreSQL's
-- SQLSTATE, and leaves nothing of the plan applied.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams

-- migrate:upgrade
CREATE TABLE err_teams (id int PRIMARY KEY);

INSERT INTO err_teams
SELECT id
FROM err_no_such_table;

-- migrate:downgrade
DROP TABLE err_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT count(*) AS applied_before FROM migrate.version;
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS applied_after FROM migrate.version;
SELECT count(*) AS log_rows FROM migrate.log;
SELECT to_regclass('err_orgs') AS err_orgs, to_regclass('err_teams') AS err_teams;

-- An error without a position names the statement's first line.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams

-- migrate:upgrade
CREATE TABLE err_teams (id int PRIMARY KEY);

INSERT INTO err_teams
VALUES (1 / 0);

-- migrate:downgrade
DROP TABLE err_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE

-- A syntax error is found before any statement of its revision runs, at its own line.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams

-- migrate:upgrade
CREATE TABLE err_teams (id int PRIMARY KEY);
CREATE TABLE err_more (
    id int,
    name text
    note text
);

-- migrate:downgrade
DROP TABLE err_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS applied FROM migrate.version;

-- A failing downgrade step says so.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams

-- migrate:upgrade
CREATE TABLE err_teams (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE err_teams;
DROP TABLE err_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.version;

-- An applied revision whose content changed is refused, naming both checksums.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams (edited after it was applied)

-- migrate:upgrade
CREATE TABLE err_teams (id int PRIMARY KEY, name text);

-- migrate:downgrade
DROP TABLE err_teams;
DROP TABLE err_teams;
$m$, '20260223_1810_002_add_teams.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT message FROM migrate.revisions WHERE revision = '002';

-- An irreversible revision stops a downgrade before anything runs.
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: backfill

-- migrate:upgrade
INSERT INTO err_teams VALUES (1);
$m$, '20260223_1820_003_backfill.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_downgrade('001');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.version;

-- Several heads: 'head' is ambiguous, and so is a relative downgrade.
SELECT migrate_add($m$-- revision: 00x
-- down_revision: 001
-- branch_labels: side
-- message: side branch

-- migrate:upgrade
SELECT 1;

-- migrate:downgrade
SELECT 1;
$m$, '20260223_1830_00x_side.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_upgrade('heads');
SELECT revision FROM migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_downgrade('side@-1');

-- State-changing functions refuse REPEATABLE READ and SERIALIZABLE.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT revision FROM migrate_upgrade('heads');
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT migrate_stamp('base');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- transactional: false cannot run inside a function.
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: concurrent index
-- transactional: false

-- migrate:upgrade
CREATE INDEX CONCURRENTLY err_teams_id ON err_teams (id);
$m$, '20260223_1840_004_concurrent_index.sql');
SELECT revision FROM migrate_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.version ORDER BY revision;

-- Statements PostgreSQL refuses inside a function keep their own error.
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: vacuum

-- migrate:upgrade
VACUUM err_teams;
$m$, '20260223_1840_004_vacuum.sql');
SELECT revision FROM migrate_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE

-- Transaction control inside a migration.
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: commit

-- migrate:upgrade
INSERT INTO err_teams VALUES (2);
COMMIT;
$m$, '20260223_1840_004_commit.sql');
SELECT revision FROM migrate_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE

-- COPY ... FROM stdin: refused when the file is added ...
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: copy

-- migrate:upgrade
COPY err_teams FROM stdin;
$m$, '20260223_1840_004_copy.sql');
\echo :LAST_ERROR_SQLSTATE
-- ... and a row edited to hold it anyway never runs: its columns no longer match its content.
UPDATE migrate.revisions SET upgrade_sql = E'INSERT INTO err_teams VALUES (3);\n\nCOPY err_teams FROM stdin;\n'
WHERE revision = '004';
SELECT revision FROM migrate_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM migrate.version ORDER BY revision;
SELECT * FROM err_teams;

SELECT migrate_stamp('base');
DROP TABLE err_orgs, err_teams;
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_errors;
