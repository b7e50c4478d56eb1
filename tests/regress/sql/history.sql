-- Read-only views: history, current, heads, branches, show.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_history;
\c regress_history
CREATE EXTENSION migrate;

-- An empty graph.
SELECT * FROM migrate_history();
SELECT * FROM migrate_heads();
SELECT * FROM migrate_current();

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema
-- migrate:upgrade
CREATE TABLE hi_orgs (id int);
-- migrate:downgrade
DROP TABLE hi_orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams
-- branch_labels: teams
-- migrate:upgrade
CREATE TABLE hi_teams (id int);
-- migrate:downgrade
DROP TABLE hi_teams;
$m$, '20260223_1810_002_add_teams.sql');
SELECT migrate_add($m$-- revision: 003
-- down_revision: 001
-- depends_on: 002
-- message: add users
-- lock_timeout: 2s
-- migrate:upgrade
CREATE TABLE hi_users (id int);
-- migrate:downgrade
DROP TABLE hi_users;
-- migrate:verify
SELECT true;
$m$, '20260223_1820_003_add_users.sql');
SELECT migrate_add($m$-- revision: 004
-- down_revision: 002, 003
-- message: merge
-- migrate:upgrade
SELECT 1;
$m$);

-- Newest first, nothing applied.
SELECT revision, down_revision, message, is_head, is_branch_point, is_merge_point, is_applied, is_current, entry
FROM migrate_history();

SELECT revision FROM migrate_upgrade('002');

-- Applied and current flags follow the version rows.
SELECT revision, is_applied, is_current, entry FROM migrate_history();
SELECT * FROM migrate_current();
SELECT * FROM migrate_heads();
SELECT * FROM migrate_branches();

-- The verbose entries, as `history --verbose` prints them.
SELECT entry FROM migrate_history(verbose => true);

-- show: one revision in full, by id or unique prefix.
SELECT revision, down_revisions, depends_on, branch_labels, message, filename, length(checksum) AS checksum_length,
       transactional, lock_timeout, is_applied
FROM migrate_show('003');
SELECT upgrade_sql, downgrade_sql, verify_sql, entry FROM migrate_show('003');
SELECT revision, downgrade_sql IS NULL AS irreversible, filename, is_applied, entry FROM migrate_show('head');
SELECT revision, is_applied FROM migrate_show('00');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_show('teams@head');
SELECT revision FROM migrate_show('nope');
\echo :LAST_ERROR_SQLSTATE

-- At the head: current says so.
SELECT revision FROM migrate_upgrade('head');
SELECT * FROM migrate_current();
SELECT * FROM migrate_heads();
SELECT migrate_check();

SELECT revision FROM migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_stamp('base');
DROP TABLE IF EXISTS hi_orgs, hi_teams, hi_users;
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_history;
