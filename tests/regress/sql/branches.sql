-- Branches and merges: several heads, branch labels, merge revisions.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_branches;
\c regress_branches
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: root
-- migrate:upgrade
CREATE TABLE br_root (id int);
-- migrate:downgrade
DROP TABLE br_root;
$m$, '20260223_1800_001_root.sql');
SELECT migrate_add($m$-- revision: a1
-- down_revision: 001
-- branch_labels: alpha
-- message: alpha one
-- migrate:upgrade
CREATE TABLE br_a1 (id int);
-- migrate:downgrade
DROP TABLE br_a1;
$m$, '20260223_1810_a1_alpha_one.sql');
SELECT migrate_add($m$-- revision: a2
-- down_revision: a1
-- message: alpha two
-- migrate:upgrade
CREATE TABLE br_a2 (id int);
-- migrate:downgrade
DROP TABLE br_a2;
$m$, '20260223_1820_a2_alpha_two.sql');
SELECT migrate_add($m$-- revision: b1
-- down_revision: 001
-- branch_labels: beta
-- message: beta one
-- migrate:upgrade
CREATE TABLE br_b1 (id int);
-- migrate:downgrade
DROP TABLE br_b1;
$m$, '20260223_1815_b1_beta_one.sql');

-- Two heads, one branch point.
SELECT * FROM migrate_heads();
SELECT * FROM migrate_branches();

-- One branch at a time.
SELECT revision, down_revision FROM migrate_upgrade('alpha@head');
SELECT * FROM migrate_current();
SELECT revision, down_revision FROM migrate_upgrade('heads');
SELECT * FROM migrate_current();
SELECT * FROM migrate.version ORDER BY revision;
SELECT * FROM migrate_heads();

-- Down one branch only.
SELECT revision, down_revision FROM migrate_downgrade('beta@-1');
SELECT * FROM migrate_current();
SELECT revision, down_revision FROM migrate_downgrade('alpha@001');
SELECT * FROM migrate_current();

-- A prefix names a revision when it is unique.
SELECT revision FROM migrate_upgrade('b');
SELECT revision FROM migrate_upgrade('a2');
SELECT * FROM migrate_current();

-- A merge joins the heads; applying it leaves one version row.
SELECT migrate_add($m$-- revision: m1
-- down_revision: a2, b1
-- message: merge alpha and beta
-- migrate:upgrade
SELECT 1;
-- migrate:downgrade
SELECT 1;
$m$, '20260223_1830_m1_merge.sql');
SELECT * FROM migrate_heads();
SELECT revision, down_revision, message FROM migrate_upgrade('head');
SELECT * FROM migrate.version;
SELECT revision, is_head, is_branch_point, is_merge_point, is_current, entry FROM migrate_history();

-- A relative step down from a merge is ambiguous (as in Alembic); naming a parent undoes the
-- merge, and both parents are heads again.
SELECT revision, down_revision FROM migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, down_revision FROM migrate_downgrade('a2');
SELECT * FROM migrate.version ORDER BY revision;

-- Past a branch point, one step at a time down each side.
SELECT revision FROM migrate_downgrade('base');
SELECT count(*) AS applied FROM migrate.version;
SELECT count(*) AS tables_left FROM pg_class WHERE relname LIKE 'br\_%';

DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_branches;
