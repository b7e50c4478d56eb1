-- migrate_stamp: set the version rows without running any migration SQL.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_stamp;
\c regress_stamp
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: root
-- migrate:upgrade
CREATE TABLE st_root (id int);
-- migrate:downgrade
DROP TABLE st_root;
$m$);
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: second
-- migrate:upgrade
CREATE TABLE st_second (id int);
-- migrate:downgrade
DROP TABLE st_second;
$m$);
SELECT migrate_add($m$-- revision: 00b
-- down_revision: 001
-- message: side branch
-- migrate:upgrade
CREATE TABLE st_side (id int);
-- migrate:downgrade
DROP TABLE st_side;
$m$);

-- Stamping runs nothing: the tables are not created.
SELECT migrate_stamp('002');
SELECT * FROM migrate_current();
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE 'st\_%';

-- Several targets (commas and/or spaces) set exactly those rows.
SELECT migrate_stamp('002, 00b');
SELECT * FROM migrate.version ORDER BY revision;
SELECT migrate_stamp('heads');
SELECT * FROM migrate.version ORDER BY revision;
SELECT migrate_stamp('001 00b');
SELECT * FROM migrate.version ORDER BY revision;

-- Stamping to base clears the rows; stamping the same state again changes nothing.
SELECT migrate_stamp('base');
SELECT count(*) AS applied FROM migrate.version;
SELECT migrate_stamp('base');

-- Each change is logged as a stamp.
SELECT revision, direction, down_revision FROM migrate.log ORDER BY id;

-- purge starts from no rows.
SELECT migrate_stamp('002');
SELECT migrate_stamp('00b', purge => true);
SELECT * FROM migrate.version ORDER BY revision;

-- Stamp then upgrade: only what is above the stamp runs.
SELECT migrate_stamp('001', true);
SELECT revision FROM migrate_upgrade('002');
SELECT relname FROM pg_class WHERE relname LIKE 'st\_%' ORDER BY relname;

-- Errors.
SELECT migrate_stamp('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_stamp(' , ');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_stamp('head');
\echo :LAST_ERROR_SQLSTATE

SELECT migrate_stamp('base', true);
DROP TABLE st_second;
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_stamp;
