-- migrate_lint and the migrate.lint policy, from psql: the server parses with its own parser,
-- grades findings by the catalog (a table created earlier in the plan, a small table, a big one),
-- and migrate_upgrade enforces the policy, so psql cannot bypass it; a waiver in the file silences
-- one rule for its revision.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_lint;
\c regress_lint
CREATE EXTENSION migrate;
-- The default is warn (this suite's configuration turns it off for the other tests).
SELECT boot_val, enumvals FROM pg_settings WHERE name = 'migrate.lint';

-- A big table, as the planner sees it: 1,000,000 estimated rows (a fake estimate; the rows are few).
CREATE TABLE big (id int PRIMARY KEY, name text);
INSERT INTO big SELECT g, 'n' || g FROM generate_series(1, 100) g;
UPDATE pg_class SET reltuples = 1000000, relpages = 10000 WHERE oid = 'big'::regclass;
CREATE TABLE small (id int PRIMARY KEY, big_id int);

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: new table and its index

-- migrate:upgrade
CREATE TABLE fresh (id int PRIMARY KEY, created timestamp);
CREATE INDEX fresh_created ON fresh (created);

-- migrate:downgrade
DROP TABLE fresh;
$m$, '20260101_0000_001_fresh.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: risky changes

-- migrate:upgrade
CREATE INDEX big_name ON big (name);
CREATE INDEX small_big ON small (big_id);
ALTER TABLE small ADD CONSTRAINT small_big_fk FOREIGN KEY (big_id) REFERENCES big (id);
ALTER TABLE big ALTER COLUMN name TYPE varchar(20);
ALTER TABLE fresh ADD COLUMN note varchar(10);
ALTER TABLE fresh ALTER COLUMN note TYPE varchar(20);

-- migrate:downgrade
ALTER TABLE fresh DROP COLUMN note;
ALTER TABLE big ALTER COLUMN name TYPE text;
ALTER TABLE small DROP CONSTRAINT small_big_fk;
DROP INDEX small_big;
DROP INDEX big_name;
$m$, '20260101_0001_002_risky.sql');

SELECT revision, line, rule, level, catalog FROM migrate_lint('head') ORDER BY revision, line, rule;

-- Policy error: the upgrade is refused before anything runs, naming the revision, line and rule.
SET migrate.lint = error;
\set VERBOSITY default
SELECT revision FROM migrate_upgrade('head');
\set VERBOSITY terse
SELECT count(*) AS applied FROM migrate.version;
SELECT to_regclass('fresh') IS NULL AS nothing_created;

-- Warn: each warning a NOTICE, and the upgrade runs.
SET migrate.lint = warn;
SELECT revision FROM migrate_upgrade('001');
-- Off: silent.
SET migrate.lint = off;
SELECT revision FROM migrate_downgrade('base');
SET migrate.lint = sometimes;

-- A waiver silences its rule for its revision, and an unused one is reported.
SELECT migrate_add($m$-- revision: 003
-- down_revision: none
-- message: waived
-- migrate:allow require-concurrent-index-creation: big is read-only during deploys
-- migrate:allow ban-drop-table: nothing drops a table here

-- migrate:upgrade
CREATE INDEX big_id_name ON big (id, name);

-- migrate:downgrade
DROP INDEX big_id_name;
$m$, '20260101_0003_003_waived.sql');
SELECT revision, line, rule, level, waived FROM migrate_lint('003') ORDER BY line, rule;
SET migrate.lint = error;
SELECT revision FROM migrate_upgrade('003');
SET migrate.lint = off;
SELECT revision FROM migrate_upgrade('003');
-- An applied revision is linted alone, graded by the catalog as it is now.
SELECT revision, rule, waived IS NOT NULL AS waived FROM migrate_lint('003') ORDER BY rule;

\c :regress_home
DROP DATABASE regress_lint;
