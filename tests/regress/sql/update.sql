-- ALTER EXTENSION migrate UPDATE: a database made by any earlier release ends up with exactly what
-- CREATE EXTENSION makes today (members, columns, constraints, grants, what pg_dump keeps), keeps
-- its state, hands a deploy role's EXECUTE on to the new functions and takes its 0.1.0 table
-- write rights away.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_update;
\c regress_update
\set VERBOSITY terse
CREATE ROLE regress_upd_deploy;

-- Grants as owner/PUBLIC/role:privilege, leaving out the deploy role's (compared apart).
CREATE FUNCTION pg_temp.acl_text(acl aclitem[], owner oid) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' WHEN a.grantee = owner THEN 'owner'
                         ELSE pg_get_userbyid(a.grantee) END || ':' || a.privilege_type, ',' ORDER BY 1)
  FROM aclexplode(acl) a WHERE pg_get_userbyid(a.grantee) <> 'regress_upd_deploy'
$$;
CREATE TEMP VIEW catalog_print AS
  WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'migrate'),
       ns AS (SELECT oid, nspowner, nspacl FROM pg_namespace WHERE nspname = 'migrate')
  SELECT 'member ' || pg_describe_object(d.classid, d.objid, 0) AS item
  FROM pg_depend d JOIN ext ON ext.oid = d.refobjid WHERE d.deptype = 'e'
  UNION ALL
  SELECT format('function %s %s %s %s %s %s grants=%s', p.oid::regprocedure, p.prosrc, p.probin, p.provolatile,
                p.proretset, p.proconfig, pg_temp.acl_text(coalesce(p.proacl, acldefault('f', p.proowner)), p.proowner))
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN ext ON ext.oid = d.refobjid
  UNION ALL
  SELECT format('column %s.%s #%s %s notnull=%s default=%s', c.relname, a.attname, a.attnum,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid))
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  WHERE c.relkind = 'r'
  UNION ALL
  SELECT format('constraint %s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL
  SELECT format('relation %s %s grants=%s', c.relname, c.relkind,
                pg_temp.acl_text(coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)),
                                 c.relowner))
  FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r', 'S')
  UNION ALL
  SELECT format('schema migrate grants=%s', pg_temp.acl_text(coalesce(ns.nspacl, acldefault('n', ns.nspowner)), ns.nspowner))
  FROM ns
  UNION ALL
  SELECT 'dumped ' || unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'migrate'
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(g.oid))
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN ns ON ns.oid = c.relnamespace
  WHERE NOT g.tgisinternal;

CREATE EXTENSION migrate;
CREATE TEMP TABLE fresh AS SELECT item FROM catalog_print;
SELECT split_part(item, ' ', 1) AS kind, count(*) FROM fresh GROUP BY 1 ORDER BY 1;
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
DROP EXTENSION migrate;

-- 0.1.0, with the grants its README asked for, and state it wrote: 001 applied, 002 stored.
CREATE EXTENSION migrate VERSION '0.1.0';
GRANT EXECUTE ON FUNCTION migrate_add(text, text), migrate_upgrade(text), migrate_downgrade(text),
                          migrate_stamp(text, boolean) TO regress_upd_deploy;
GRANT INSERT, UPDATE, DELETE ON migrate.revisions TO regress_upd_deploy;
GRANT INSERT, DELETE ON migrate.version TO regress_upd_deploy;
GRANT INSERT ON migrate.log TO regress_upd_deploy;
GRANT CREATE ON SCHEMA public TO regress_upd_deploy;
INSERT INTO migrate.revisions (revision, message, upgrade_sql, upgrade_line, downgrade_sql, downgrade_line, checksum)
VALUES ('001', 'one', 'CREATE TABLE upd_one (id int);', 4, 'DROP TABLE upd_one;', 6, 'sum1'),
       ('002', 'two', 'CREATE TABLE upd_two (id int);', 4, 'DROP TABLE upd_two;', 6, 'sum2');
UPDATE migrate.revisions SET down_revisions = '{001}' WHERE revision = '002';
CREATE TABLE upd_one (id int);
INSERT INTO migrate.version VALUES ('001');
INSERT INTO migrate.log (revision, direction, started_at, checksum) VALUES ('001', 'upgrade', now(), 'sum1');

ALTER EXTENSION migrate UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
ALTER EXTENSION migrate UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'migrate';

-- What the update made differs from a fresh install only by the deploy role's grants.
SELECT 'missing' AS diff, item FROM (SELECT item FROM fresh EXCEPT SELECT item FROM catalog_print) m
UNION ALL
SELECT 'extra', item FROM (SELECT item FROM catalog_print EXCEPT SELECT item FROM fresh) x
ORDER BY 1, 2;

-- The state is kept; the deploy role may call every state-changing function and write nothing.
SELECT revision, message FROM migrate.revisions ORDER BY revision;
SELECT revision FROM migrate.version;
SELECT revision, direction FROM migrate.log ORDER BY id;
SELECT p.proname, has_function_privilege('regress_upd_deploy', p.oid, 'EXECUTE') AS deploy_may_call
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
WHERE NOT has_function_privilege('public', p.oid, 'EXECUTE')
ORDER BY 1;
SELECT c.relname, has_table_privilege('regress_upd_deploy', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') AS deploy_writes
FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r' ORDER BY 1;

-- A revision stored by 0.1.0 kept only its sections: it runs once its file is uploaded again.
SET ROLE regress_upd_deploy;
SELECT revision FROM migrate_upgrade('head');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: two
-- migrate:upgrade
CREATE TABLE upd_two (id int);
-- migrate:downgrade
DROP TABLE upd_two;
$m$, '20260101_0001_002_two.sql');
SELECT revision FROM migrate_upgrade('head');
RESET ROLE;
SELECT to_regclass('upd_two') IS NOT NULL AS two_created;

DROP EXTENSION migrate;
DROP TABLE upd_one, upd_two;

REVOKE CREATE ON SCHEMA public FROM regress_upd_deploy;
DROP ROLE regress_upd_deploy;

-- Between a package upgrade and ALTER EXTENSION UPDATE, the new module runs over 0.4.0's tables:
-- steps are logged without the trace's columns, and the update adds them (NULL for old rows).
CREATE EXTENSION migrate VERSION '0.4.0';
SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: one
-- migrate:upgrade
CREATE TABLE upd_one (id int);
-- migrate:downgrade
DROP TABLE upd_one;
$m$, '20260101_0000_001_one.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT revision, direction FROM migrate.log ORDER BY id;
ALTER EXTENSION migrate UPDATE;
SELECT revision FROM migrate_downgrade('base');
SELECT revision, direction, lock_waits, locks, rewritten FROM migrate.log ORDER BY id;
DROP EXTENSION migrate;
\c :regress_home
DROP DATABASE regress_update;
