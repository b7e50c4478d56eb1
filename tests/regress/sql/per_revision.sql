-- CALL migrate_upgrade_per_revision / migrate_downgrade_per_revision: one commit per revision.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_per_revision;
\c regress_per_revision
CREATE EXTENSION migrate;
\set VERBOSITY terse

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: first
-- migrate:upgrade
CREATE TABLE pr_one (id int);
-- migrate:downgrade
DROP TABLE pr_one;
$m$, '20260101_0000_001_first.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: second
-- migrate:upgrade
CREATE TABLE pr_two (id int);
-- migrate:downgrade
DROP TABLE pr_two;
$m$, '20260101_0000_002_second.sql');
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: third, broken
-- migrate:upgrade
CREATE TABLE pr_three (id int);
INSERT INTO pr_missing VALUES (1);
-- migrate:downgrade
DROP TABLE pr_three;
$m$, '20260101_0000_003_third.sql');

-- Inside a transaction block a procedure cannot commit: refused before any work.
BEGIN;
CALL migrate_upgrade_per_revision('head');
ROLLBACK;
SELECT count(*) AS version_rows FROM migrate.version;

-- Revision 003 fails: 001 and 002 stay committed, nothing of 003 does.
CALL migrate_upgrade_per_revision('head');
SELECT * FROM migrate_current();
SELECT revision, direction FROM migrate.log ORDER BY id;
SELECT to_regclass('pr_two') IS NOT NULL AS two_exists, to_regclass('pr_three') IS NULL AS three_absent;

-- Fixed (not applied yet, so it may change); a rerun continues from 002.
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: third
-- migrate:upgrade
CREATE TABLE pr_three (id int);
-- migrate:downgrade
DROP TABLE pr_three;
$m$, '20260101_0000_003_third.sql');
CALL migrate_upgrade_per_revision('head');
SELECT * FROM migrate_current();
-- A second call finds nothing to do.
CALL migrate_upgrade_per_revision();
SELECT count(*) AS upgrade_log_rows FROM migrate.log WHERE direction = 'upgrade';

-- The caller's search_path is what it was (the procedure pins its own between commits).
SHOW search_path;

CALL migrate_downgrade_per_revision('001');
SELECT * FROM migrate_current();
CALL migrate_downgrade_per_revision('base');
SELECT count(*) AS version_rows FROM migrate.version;
SELECT to_regclass('pr_one') IS NULL AS one_dropped;
SELECT revision, direction FROM migrate.log ORDER BY id;

-- Relative targets work too; downgrade needs a target.
CALL migrate_upgrade_per_revision('+2');
SELECT * FROM migrate_current();
CALL migrate_downgrade_per_revision('-1');
SELECT * FROM migrate_current();
CALL migrate_downgrade_per_revision();

-- Not for PUBLIC.
CREATE ROLE pr_nobody;
SET ROLE pr_nobody;
CALL migrate_upgrade_per_revision('head');
RESET ROLE;
DROP ROLE pr_nobody;

DROP EXTENSION migrate CASCADE;
DROP TABLE pr_one;
\c :regress_home
DROP DATABASE regress_per_revision;
