-- The project's migrations under test, in a database of their own: every .sql file of the
-- migrations directory is stored with migrate_add, upgraded to head, checked in the catalog,
-- downgraded to base, and the schema checked empty again.
CREATE DATABASE regress_migrations;
\c regress_migrations
CREATE EXTENSION migrate SCHEMA public;
-- Lint has its own command (pgmigrate lint); its NOTICEs would only repeat here.
SET migrate.lint = off;

-- pg_regress sets PG_ABS_SRCDIR to its --inputdir: the migrations are two levels up. The server
-- reads them (pg_read_file, as a superuser), in name order, which is date order.
\getenv abs_srcdir PG_ABS_SRCDIR
\set migrations :abs_srcdir '/../../migrations'
SELECT public.migrate_add(pg_read_file(:'migrations' || '/' || file), file) AS added
FROM pg_ls_dir(:'migrations') AS file
WHERE file LIKE '%.sql'
ORDER BY file;

SELECT revision, down_revision, message FROM public.migrate_upgrade('head');
SELECT revision, is_head FROM public.migrate_current();
SELECT public.migrate_check();

-- The schema at head: the tables, each with row-level security and its tenant policy.
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT string_agg(p.polname, ', ') FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
ORDER BY c.relname;

-- Every table but organizations belongs to a tenant: org_id NOT NULL, referencing organizations.
SELECT c.relname,
       a.attnotnull AS org_id_not_null,
       EXISTS (SELECT FROM pg_constraint f
               WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid = 'public.organizations'::regclass
                 AND f.conkey = ARRAY[a.attnum]) AS references_organizations
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id'
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
ORDER BY c.relname;

-- The facts table's columns, and the access methods of the episodes' indexes (GIN on tags).
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull
FROM pg_attribute
WHERE attrelid = 'public.memory_facts'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;
SELECT i.indexrelid::regclass AS index, am.amname
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
WHERE i.indrelid = 'public.episodes'::regclass
ORDER BY c.relname;

-- Down to base: every step reverses, and nothing of the schema is left but the extension's own.
SELECT revision, down_revision, message FROM public.migrate_downgrade('base');
SELECT count(*) AS applied FROM public.migrate_current();
SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace;
SELECT p.oid::regprocedure AS function
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e');
SELECT t.typname FROM pg_type t
WHERE t.typnamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e');

\c postgres
DROP DATABASE regress_migrations;
