-- The C++/PostgreSQL error boundary: SQLSTATEs, messages and fields survive both directions,
-- CONTEXT lines appear once, PL/pgSQL can trap the errors, and the backend stays usable.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_boundary;
\c regress_boundary
CREATE EXTENSION migrate;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: root

-- migrate:upgrade
CREATE TABLE bd_items (id int PRIMARY KEY, CONSTRAINT bd_items_positive CHECK (id > 0));
INSERT INTO bd_items VALUES (1);

-- migrate:downgrade
DROP TABLE bd_items;
$m$, '20260223_1800_001_root.sql');
SELECT revision FROM migrate_upgrade('head');

-- Engine errors (C++ exceptions) arrive with their own SQLSTATE.
SELECT * FROM migrate_upgrade('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('+x');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade(NULL);
\echo :LAST_ERROR_SQLSTATE

-- A failing migration statement keeps PostgreSQL's SQLSTATE and message.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: missing table

-- migrate:upgrade
SELECT * FROM bd_missing;
$m$, '20260223_1810_002_missing.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: division

-- migrate:upgrade
UPDATE bd_items SET id = id / 0;
$m$, '20260223_1810_002_division.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE

-- The backend is fine afterwards, and nothing changed.
SELECT 1 AS alive;
SELECT * FROM migrate_current();
SELECT * FROM bd_items;

-- Called from PL/pgSQL: each CONTEXT line appears once, inner first.
CREATE FUNCTION bd_outer() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM migrate_upgrade('head');
END $$;
SELECT bd_outer();
\echo :LAST_ERROR_SQLSTATE

-- EXCEPTION WHEN traps them by condition name, with every field intact, and the transaction
-- goes on.
DO $$
DECLARE
  st text; msg text; ctx text;
BEGIN
  PERFORM migrate_upgrade('head');
EXCEPTION WHEN division_by_zero THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
  RAISE NOTICE 'trapped % (%)', st, msg;
  RAISE NOTICE 'context: %', ctx;
END $$;
DO $$
BEGIN
  PERFORM migrate_upgrade('nope');
EXCEPTION WHEN undefined_object THEN
  RAISE NOTICE 'trapped % (%)', SQLSTATE, SQLERRM;
END $$;
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: check violation

-- migrate:upgrade
INSERT INTO bd_items VALUES (-1);
$m$, '20260223_1810_002_check.sql');
DO $$
DECLARE
  st text; tbl text; sch text; con text; msg text;
BEGIN
  PERFORM migrate_upgrade('head');
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, sch = SCHEMA_NAME,
                          tbl = TABLE_NAME, con = CONSTRAINT_NAME;
  RAISE NOTICE '% %: schema=% table=% constraint=%', st, msg, sch, tbl, con;
END $$;

-- Trapped, then carried on in the same transaction: the failed plan left nothing behind, and a
-- later call works.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: custom error

-- migrate:upgrade
INSERT INTO bd_items VALUES (2);
DO $$
BEGIN
  RAISE NOTICE 'inside the migration';
  RAISE EXCEPTION 'custom failure' USING ERRCODE = 'MG001', DETAIL = 'some detail', HINT = 'some hint';
END $$;
$m$, '20260223_1810_002_custom.sql');
BEGIN;
DO $$
DECLARE
  st text; msg text; det text; hin text;
BEGIN
  PERFORM migrate_upgrade('head');
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                          hin = PG_EXCEPTION_HINT;
  RAISE NOTICE 'trapped %: % / % / %', st, msg, det, hin;
END $$;
SELECT * FROM bd_items;
SELECT * FROM migrate_current();
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: fine at last

-- migrate:upgrade
INSERT INTO bd_items VALUES (2);

-- migrate:downgrade
DELETE FROM bd_items WHERE id = 2;
$m$, '20260223_1810_002_fine.sql');
SELECT revision FROM migrate_upgrade('head');
COMMIT;
SELECT * FROM bd_items ORDER BY id;
SELECT * FROM migrate_current();

-- The same error, untrapped, with the default verbosity.
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: custom error

-- migrate:upgrade
DO $$
BEGIN
  RAISE EXCEPTION 'custom failure' USING ERRCODE = 'MG001', DETAIL = 'some detail', HINT = 'some hint';
END $$;
$m$, '20260223_1820_003_custom.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE

-- Migration SQL may read the state but not change it through migrate's own functions.
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: recursive

-- migrate:upgrade
CREATE TABLE bd_seen AS SELECT revision FROM migrate_current();
SELECT migrate_stamp('base');
$m$, '20260223_1820_003_recursive.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE

-- Many errors in a row leave no resources behind (SPI, GUC levels, memory contexts).
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: custom error

-- migrate:upgrade
DO $$
BEGIN
  RAISE EXCEPTION 'custom failure' USING ERRCODE = 'MG001', DETAIL = 'some detail', HINT = 'some hint';
END $$;
$m$, '20260223_1820_003_custom.sql');
SET client_min_messages = warning;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    BEGIN
      PERFORM migrate_upgrade('head');
    EXCEPTION WHEN SQLSTATE 'MG001' THEN
      NULL;
    END;
  END LOOP;
END $$;
RESET client_min_messages;
SHOW search_path;
SHOW lock_timeout;
-- The extension's lock settings (lock_retry.hpp): defined with their defaults, validated.
SHOW migrate.lock_timeout;
SHOW migrate.lock_retries;
SET migrate.lock_retries = -1;
SET migrate.lock_timeout = 'soon';
SELECT count(*) AS leftover_contexts FROM pg_backend_memory_contexts
WHERE name IN ('SPI Proc', 'SPI Exec', 'SPI TupTable', 'migrate split', 'migrate result row');
SELECT * FROM migrate_current();

SELECT revision FROM migrate_downgrade('base');
DROP FUNCTION bd_outer();
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_boundary;
