-- migrate_add: parse one migration file server-side and store its revision.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_add;
\c regress_add
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE add_orgs (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE add_orgs;
$m$, '20260223_1800_001_initial_schema.sql');

-- Every header field and section is stored, with the file line each section starts on.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams
-- branch_labels: core
-- depends_on: 001
-- transactional: true
-- lock_timeout: 5s

-- migrate:upgrade
CREATE TABLE add_teams (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE add_teams;

-- migrate:verify
SELECT count(*) = 0 FROM add_teams;
$m$, '20260223_1810_002_add_teams.sql');

SELECT revision, down_revisions, depends_on, branch_labels, message, transactional, lock_timeout,
       upgrade_line, downgrade_line, verify_line, filename, length(checksum) AS checksum_length
FROM migrate.revisions ORDER BY revision;
SELECT upgrade_sql, downgrade_sql, verify_sql FROM migrate.revisions WHERE revision = '002';

-- The checksum is SHA-256 of the content with line endings normalised to \n.
SELECT checksum = encode(sha256(convert_to($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE add_orgs (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE add_orgs;
$m$, 'UTF8')), 'hex') AS checksum_is_sha256
FROM migrate.revisions WHERE revision = '001';

-- Identical content is a no-op; so is the same content with CRLF line endings.
SELECT uploaded_at AS uploaded_001 FROM migrate.revisions WHERE revision = '001' \gset
SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE add_orgs (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE add_orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT migrate_add(replace($m$-- revision: 001
-- down_revision: none
-- message: initial schema

-- migrate:upgrade
CREATE TABLE add_orgs (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE add_orgs;
$m$, E'\n', E'\r\n'), '20260223_1800_001_initial_schema.sql');
SELECT uploaded_at = :'uploaded_001' AS unchanged, count(*) OVER () AS revisions
FROM migrate.revisions WHERE revision = '001';

-- A revision that is not applied may change; the new content replaces the old.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: add teams, take two

-- migrate:upgrade
CREATE TABLE add_teams (id int PRIMARY KEY, name text);
$m$);
SELECT revision, message, branch_labels, lock_timeout, downgrade_sql IS NULL AS irreversible,
       verify_sql IS NULL AS no_verify, filename
FROM migrate.revisions WHERE revision = '002';

-- Without a file name (content pasted into psql) the revision is still stored.
SELECT migrate_add($m$-- revision: abc_def
-- down_revision: 002
-- message: unnamed
-- migrate:upgrade
SELECT 1;
$m$, NULL);
SELECT revision, filename FROM migrate.revisions WHERE revision = 'abc_def';

-- Nothing was run and nothing is applied.
SELECT count(*) AS applied FROM migrate.version;
SELECT count(*) AS log_rows FROM migrate.log;
SELECT to_regclass('add_orgs') AS add_orgs;

-- Files that do not parse are refused with 22P02, naming the file and line.
\set VERBOSITY default
SELECT migrate_add($m$-- message: no revision header
-- migrate:upgrade
SELECT 1;
$m$, 'no_revision.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_add($m$-- revision: 004
-- message: no upgrade section
$m$, 'no_upgrade.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_add($m$-- revision: not-valid!
-- migrate:upgrade
SELECT 1;
$m$, 'bad_id.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_add(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS revisions FROM migrate.revisions;

-- The stored revisions stay a graph. A parent not stored yet is accepted (it may come next), but
-- a revision that closes a cycle, or takes a branch label another revision has, is refused and
-- nothing of it is stored.
SELECT migrate_add($m$-- revision: cy1
-- down_revision: cy2
-- migrate:upgrade
SELECT 1;
$m$, 'cy1.sql');
SELECT migrate_add($m$-- revision: cy2
-- down_revision: cy1
-- migrate:upgrade
SELECT 1;
$m$, 'cy2.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_add($m$-- revision: lb1
-- down_revision: none
-- branch_labels: feature
-- migrate:upgrade
SELECT 1;
$m$, 'lb1.sql');
SELECT migrate_add($m$-- revision: lb2
-- down_revision: none
-- branch_labels: feature
-- migrate:upgrade
SELECT 1;
$m$, 'lb2.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, down_revisions, branch_labels FROM migrate.revisions
WHERE revision IN ('cy1', 'cy2', 'lb1', 'lb2') ORDER BY revision;

-- migrate_add_all: several files, parents first, with migrate_add's checks (one graph check).
SELECT * FROM migrate_add_all(ARRAY[$m$-- revision: all1
-- down_revision: none
-- migrate:upgrade
SELECT 1;
$m$, $m$-- revision: all2
-- down_revision: all1
-- migrate:upgrade
SELECT 2;
$m$], ARRAY['all1.sql', 'all2.sql']);
SELECT revision, down_revisions, filename FROM migrate.revisions WHERE revision LIKE 'all%' ORDER BY revision;
-- A cycle among them is refused, and nothing of the call stays.
SELECT * FROM migrate_add_all(ARRAY[$m$-- revision: all3
-- down_revision: all4
-- migrate:upgrade
SELECT 1;
$m$, $m$-- revision: all4
-- down_revision: all3
-- migrate:upgrade
SELECT 1;
$m$], ARRAY['all3.sql', 'all4.sql']);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM migrate.revisions WHERE revision IN ('all3', 'all4');
SELECT * FROM migrate_add_all(ARRAY['x'], ARRAY[]::text[]);
\echo :LAST_ERROR_SQLSTATE

DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_add;
