-- CREATE EXTENSION: what it creates, where, and who may call what.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_install;
\c regress_install
CREATE EXTENSION migrate;
SELECT extversion, extrelocatable, extnamespace::regnamespace AS schema
FROM pg_extension WHERE extname = 'migrate';

-- State lives in schema migrate.
SELECT relname, relkind FROM pg_class
WHERE relnamespace = 'migrate'::regnamespace AND relkind IN ('r', 'S')
ORDER BY relname;

-- Every state table (and the log's sequence) is dumped by pg_dump; migrate.summary, which the
-- engine writes again after its next upload, is not.
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'migrate' ORDER BY 1;

-- The functions live in the extension's schema (the first on search_path: public here), not in
-- migrate. Read-only ones pin search_path in their declaration; state-changing ones do it inside.
SELECT p.oid::regprocedure AS function, p.pronamespace::regnamespace AS schema, p.provolatile,
       p.proretset, p.proconfig
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
ORDER BY p.proname, p.oid::regprocedure::text;

-- EXECUTE on the state-changing functions is revoked from PUBLIC.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
ORDER BY p.proname, p.oid::regprocedure::text;

-- PUBLIC may read the state, never write it.
SELECT c.relname,
       has_table_privilege('public', c.oid, 'SELECT') AS public_select,
       has_table_privilege('public', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS public_write
FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r'
ORDER BY c.relname;

-- A fresh install is at base with nothing stored.
SELECT count(*) AS revisions FROM migrate.revisions;
SELECT * FROM migrate_current();
SELECT migrate_check();

-- The extension goes where search_path points first, and works from there.
DROP EXTENSION migrate;
SELECT count(*) AS migrate_schemas FROM pg_namespace WHERE nspname = 'migrate';
CREATE SCHEMA tools;
SET search_path = tools, public;
CREATE EXTENSION migrate;
SELECT DISTINCT p.pronamespace::regnamespace AS schema
FROM pg_proc p WHERE p.proname LIKE 'migrate\_%';
SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: first
-- migrate:upgrade
SELECT 1;
$m$);
SELECT revision FROM tools.migrate_upgrade();
SELECT revision FROM migrate.version;
RESET search_path;
DROP EXTENSION migrate;
DROP SCHEMA tools;

-- Installing into a schema that is not first on search_path is fine too.
CREATE SCHEMA tools;
CREATE EXTENSION migrate SCHEMA tools;
SELECT DISTINCT p.pronamespace::regnamespace AS schema
FROM pg_proc p WHERE p.proname LIKE 'migrate\_%';
SELECT * FROM tools.migrate_current();
DROP EXTENSION migrate;
DROP SCHEMA tools;
\c :regress_home
DROP DATABASE regress_install;
