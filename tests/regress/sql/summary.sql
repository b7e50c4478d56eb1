-- migrate.summary: the engine's count and digest of the stored revisions, written after an upload
-- (migrate_add_all) or a removal, and gone after any other change to migrate.revisions.
\set regress_home :DBNAME
CREATE DATABASE regress_summary;
\c regress_summary
CREATE EXTENSION migrate;
CREATE ROLE regress_sum_deploy;
GRANT EXECUTE ON FUNCTION migrate_add(text, text), migrate_add_all(text[], text[]), migrate_remove(text)
    TO regress_sum_deploy;

-- The digest as pgmigrate computes it from its files, written out independently: per revision
-- "checksum|down_revisions|depends_on", sorted bytewise, joined by newlines, SHA-256 in hex.
CREATE VIEW summary_check AS
SELECT s.revisions, s.revisions = (SELECT count(*) FROM migrate.revisions) AS count_matches,
       s.digest = encode(sha256(convert_to(coalesce(
           (SELECT string_agg(line, E'\n' ORDER BY line COLLATE "C")
            FROM (SELECT checksum || '|' || array_to_string(down_revisions, ',', '*') || '|' ||
                         array_to_string(depends_on, ',', '*') AS line FROM migrate.revisions) l), ''), 'UTF8')),
           'hex') AS digest_matches
FROM migrate.summary s;

-- A fresh install has none (nothing uploaded yet).
SELECT count(*) FROM migrate.summary;

-- An upload writes it, as the deploy role (the engine writes as the state's owner).
SET ROLE regress_sum_deploy;
SELECT revision FROM migrate_add_all(ARRAY[
$m$-- revision: 001
-- down_revision: none
-- message: one
-- migrate:upgrade
CREATE TABLE sum_one (id int);
-- migrate:downgrade
DROP TABLE sum_one;
$m$, $m$-- revision: 002
-- down_revision: 001
-- depends_on: 001
-- message: two
-- migrate:upgrade
CREATE TABLE sum_two (id int);
-- migrate:downgrade
DROP TABLE sum_two;
$m$], ARRAY['001_one.sql', '002_two.sql']);
RESET ROLE;
SELECT * FROM summary_check;

-- Uploading the same files again changes nothing, and keeps it.
SET ROLE regress_sum_deploy;
SELECT revision FROM migrate_add_all(ARRAY[(SELECT content FROM migrate.revisions WHERE revision = '001')],
                                     ARRAY['001_one.sql']);
RESET ROLE;
SELECT * FROM summary_check;

-- migrate_add alone leaves it to the next upload or removal (N files one call at a time must not
-- digest the store N times), and its change to the store removes it.
SET ROLE regress_sum_deploy;
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: three
-- migrate:upgrade
CREATE TABLE sum_three (id int);
$m$, '003_three.sql');
RESET ROLE;
SELECT count(*) FROM migrate.summary;

-- A removal writes it again.
SET ROLE regress_sum_deploy;
SELECT revision FROM migrate_remove('003');
RESET ROLE;
SELECT * FROM summary_check;

-- A hand edit of a stored graph column, by anyone who may make it, removes it: pgmigrate then
-- compares its files with the revisions themselves.
UPDATE migrate.revisions SET down_revisions = '{001,099}' WHERE revision = '002';
SELECT count(*) FROM migrate.summary;
UPDATE migrate.revisions SET down_revisions = '{001}' WHERE revision = '002';
SELECT revision FROM migrate_add_all(ARRAY[(SELECT content FROM migrate.revisions WHERE revision = '002')],
                                     ARRAY['002_two.sql']);
SELECT count(*) FROM migrate.summary;
SELECT revision FROM migrate_remove('002');
SELECT * FROM summary_check;
DELETE FROM migrate.revisions;
SELECT count(*) FROM migrate.summary;

-- Nobody but the state's owner writes it, and its trigger function is not a function to call.
SET ROLE regress_sum_deploy;
INSERT INTO migrate.summary VALUES (0, 'forged');
SELECT migrate.forget_summary();
RESET ROLE;

\c :regress_home
DROP DATABASE regress_summary;
DROP ROLE regress_sum_deploy;
