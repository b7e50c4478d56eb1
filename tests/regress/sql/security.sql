-- Security: what a role without grants may do, the README's deploy-role grants, search_path
-- attacks on the engine's own SQL, and SQL injection through the text of migration files.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_security;
\c regress_security
CREATE EXTENSION migrate;
\set VERBOSITY terse

-- ---- privileges ---------------------------------------------------------------------------------
CREATE ROLE regress_sec_nobody;
CREATE ROLE regress_sec_deploy;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial
-- migrate:upgrade
CREATE TABLE sec_one (id int);
-- migrate:downgrade
DROP TABLE sec_one;
$m$, '20260101_0000_001_initial.sql');
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: second
-- migrate:upgrade
CREATE TABLE sec_two (id int);
-- migrate:downgrade
DROP TABLE sec_two;
$m$, '20260101_0001_002_second.sql');
SELECT revision FROM migrate_upgrade('001');

-- A role with no grant: every state-changing entry point is refused, per-revision procedures
-- included; nothing changed.
SET ROLE regress_sec_nobody;
CALL migrate_upgrade_per_revision('head');
CALL migrate_downgrade_per_revision('base');
SELECT * FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('base');
SELECT migrate_stamp('head');
SELECT migrate_stamp('base', true);
SELECT migrate_add('-- revision: 009
-- migrate:upgrade
SELECT 1;');
-- nor can it write the state tables in any way
INSERT INTO migrate.version VALUES ('002');
UPDATE migrate.revisions SET upgrade_sql = 'DROP TABLE sec_one';
DELETE FROM migrate.log;
TRUNCATE migrate.log;
SELECT nextval('migrate.log_id_seq');
INSERT INTO migrate.lock_holder (pid, revision) VALUES (1, '002');
-- nor take the migration lock: not through the engine, and no lock of its own on the state that
-- would keep a migrator out (reading takes ACCESS SHARE, which conflicts with no migrator; an
-- advisory lock on the key of migrate 0.2.0 is now nobody's business)
SELECT migrate_lock();
SELECT migrate_hold_lock('002');
BEGIN;
LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE;
ROLLBACK;
BEGIN;
LOCK TABLE migrate.version IN ROW EXCLUSIVE MODE;
ROLLBACK;
BEGIN;
SELECT revision FROM migrate.version FOR KEY SHARE;
ROLLBACK;
-- the read-only functions all work for it
SELECT * FROM migrate_current();
SELECT revision, is_applied, is_current FROM migrate_history();
SELECT count(*) FROM migrate_history(true);
SELECT revision, is_current FROM migrate_heads();
SELECT * FROM migrate_branches();
SELECT revision, is_applied FROM migrate_show('002');
SELECT length(migrate_script('upgrade', 'head')) > 0 AS has_script;
SELECT migrate_check();
SELECT revision, direction FROM migrate.log ORDER BY id;
RESET ROLE;
SELECT revision FROM migrate.version;

-- A session that holds the lock across commits (the row migrate_hold_lock writes, for a
-- transactional: false revision) keeps other migrators out while it lives; a row whose pid now
-- belongs to a later session, or to no session, holds nothing.
INSERT INTO migrate.lock_holder (pid, backend_start, revision)
  SELECT pid, backend_start, '002' FROM pg_stat_activity WHERE backend_type = 'checkpointer';
SELECT migrate_stamp('002');
SELECT revision FROM migrate_upgrade('head');
SELECT migrate_lock(true);
UPDATE migrate.lock_holder SET backend_start = backend_start - interval '1 second';
SELECT migrate_lock(true);
UPDATE migrate.lock_holder SET pid = 0, backend_start = NULL;
SELECT migrate_lock(true);
-- only a stored transactional: false revision is held for
SELECT migrate_hold_lock('002');
SELECT migrate_hold_lock('009');
DELETE FROM migrate.lock_holder;
SELECT revision FROM migrate.version;

-- The deploy role, granted exactly what README.md's "Granting migration rights to a deploy role"
-- says (keep the two in step).
GRANT EXECUTE ON FUNCTION public.migrate_add(text, text), public.migrate_remove(text),
                          public.migrate_upgrade(text), public.migrate_downgrade(text),
                          public.migrate_stamp(text, boolean),
                          public.migrate_record(text, text, double precision),
                          public.migrate_lock(boolean), public.migrate_hold_lock(text) TO regress_sec_deploy;
GRANT EXECUTE ON PROCEDURE public.migrate_upgrade_per_revision(text),
                           public.migrate_downgrade_per_revision(text) TO regress_sec_deploy;
-- (its migrations need their own rights; here: creating tables in public, dropping sec_*)
GRANT CREATE ON SCHEMA public TO regress_sec_deploy;

SET ROLE regress_sec_deploy;
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: third
-- migrate:upgrade
CREATE TABLE sec_three (id int);
-- migrate:downgrade
DROP TABLE sec_three;
$m$, '20260101_0002_003_third.sql');
-- changing a stored, unapplied revision: through migrate_add only
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: third, edited
-- migrate:upgrade
CREATE TABLE sec_three (id int, note text);
-- migrate:downgrade
DROP TABLE sec_three;
$m$, '20260101_0002_003_third.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_downgrade('001');
CALL migrate_upgrade_per_revision('head');
CALL migrate_downgrade_per_revision('002');
SELECT migrate_stamp('head');
SELECT migrate_stamp('002');
SELECT * FROM migrate_current();
-- it cannot write the state directly: not what the runner executes, not the version, not the log
UPDATE migrate.revisions SET upgrade_sql = 'ALTER ROLE regress_sec_deploy SUPERUSER';
INSERT INTO migrate.revisions (revision, upgrade_sql, upgrade_line, checksum) VALUES ('x', 'SELECT 1', 1, 'x');
DELETE FROM migrate.version;
INSERT INTO migrate.log (revision, direction, started_at, "session_user")
  VALUES ('002', 'upgrade', now() - interval '3 days', 'postgres');
UPDATE migrate.log SET "session_user" = 'someone_else';
DELETE FROM migrate.log;
TRUNCATE migrate.log;
-- migrate_record takes only the next step from the current version
SELECT migrate_record('upgrade', '001', 1);
SELECT migrate_record('downgrade', '001', 1);
SELECT migrate_record('sideways', '002', 1);
-- migrate_remove refuses an applied revision
SELECT * FROM migrate_remove('002');
-- (its rows name the login role: SET ROLE does not change session_user)
SELECT count(*) AS deploy_rows, bool_and("session_user" = session_user) AS all_by_session_user
  FROM migrate.log WHERE revision = '003' OR direction = 'stamp';
-- its migrations run with its own rights, not the extension owner's
SELECT migrate_add($m$-- revision: 004
-- down_revision: 003
-- message: beyond its rights
-- migrate:upgrade
ALTER ROLE regress_sec_nobody SUPERUSER;
$m$, '20260101_0003_004_beyond.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_sec_nobody';
SELECT revision FROM migrate.version;
RESET ROLE;

SELECT revision FROM migrate_downgrade('base');
SELECT to_regclass('sec_one') IS NULL AND to_regclass('sec_two') IS NULL AND to_regclass('sec_three') IS NULL
  AS all_dropped;
DROP EXTENSION migrate;
REVOKE CREATE ON SCHEMA public FROM regress_sec_deploy;

-- ---- search_path attacks --------------------------------------------------------------------------
-- Schema evil holds look-alikes of every function and operator the engine uses, each recording its
-- call. Some are exact-type matches (unnest(text[]), pg_backend_pid(), text[] || text[])
-- that would win over pg_catalog's polymorphic or bigint versions even with pg_catalog searched
-- first; the rest only win with evil listed before pg_catalog explicitly. The engine's bookkeeping
-- must call none of them. A migration's own SQL runs with the caller's search_path on purpose, so
-- it does see them.
CREATE EXTENSION migrate;
CREATE SCHEMA evil;
CREATE TABLE evil.calls (fn text);
GRANT ALL ON SCHEMA evil TO PUBLIC;
GRANT ALL ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.record(fn text) RETURNS void LANGUAGE plpgsql AS
$$BEGIN INSERT INTO evil.calls VALUES (fn); RAISE WARNING 'evil % called', fn; END$$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('lower'); RETURN pg_catalog.lower($1); END$$;
CREATE FUNCTION evil.upper(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('upper'); RETURN pg_catalog.upper($1); END$$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('now'); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('clock_timestamp'); RETURN pg_catalog.clock_timestamp(); END$$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('current_setting'); RETURN pg_catalog.current_setting($1); END$$;
CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('set_config'); RETURN pg_catalog.set_config($1, $2, $3); END$$;
CREATE FUNCTION evil.make_interval(years int DEFAULT 0, months int DEFAULT 0, weeks int DEFAULT 0,
                                   days int DEFAULT 0, hours int DEFAULT 0, mins int DEFAULT 0,
                                   secs double precision DEFAULT 0) RETURNS interval LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('make_interval');
        RETURN pg_catalog.make_interval(years, months, weeks, days, hours, mins, secs); END$$;
CREATE FUNCTION evil.pg_backend_pid() RETURNS integer LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('pg_backend_pid'); RETURN pg_catalog.pg_backend_pid(); END$$;
CREATE FUNCTION evil.array_to_string(text[], text) RETURNS text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('array_to_string'); RETURN pg_catalog.array_to_string($1, $2); END$$;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('unnest'); RETURN QUERY SELECT pg_catalog.unnest($1); END$$;
CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('='); RETURN pg_catalog.texteq($1, $2); END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
CREATE FUNCTION evil.textne(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('<>'); RETURN pg_catalog.textne($1, $2); END$$;
CREATE OPERATOR evil.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textne);
CREATE FUNCTION evil.textcat(text[], text[]) RETURNS text[] LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('||'); RETURN pg_catalog.array_cat($1, $2); END$$;
CREATE OPERATOR evil.|| (LEFTARG = text[], RIGHTARG = text[], FUNCTION = evil.textcat);
CREATE FUNCTION evil.tsminus(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('-'); RETURN pg_catalog.timestamptz_mi_interval($1, $2); END$$;
CREATE OPERATOR evil.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = evil.tsminus);
CREATE FUNCTION evil.regexeq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN PERFORM evil.record('~'); RETURN pg_catalog.textregexeq($1, $2); END$$;
CREATE OPERATOR evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.regexeq);
-- tables named like the state tables, for unqualified references
CREATE TABLE evil.revisions (LIKE migrate.revisions);
CREATE TABLE evil.version (revision text);
CREATE TABLE evil.log (LIKE migrate.log);
CREATE TABLE evil.lock_holder (LIKE migrate.lock_holder);
CREATE VIEW evil.pg_stat_activity AS
  SELECT a.* FROM pg_catalog.pg_stat_activity a CROSS JOIN LATERAL evil.record('pg_stat_activity') r;
GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;

-- The traps work: with evil on the path, unqualified calls reach them.
SET search_path = evil, public;
SELECT unnest('{a}'::text[]), array_to_string('{a,b}'::text[], ','), '{a}'::text[] || '{b}'::text[];
SET search_path = evil, pg_catalog, public;
SELECT pg_backend_pid() > 0 AS has_pid, (SELECT count(*) > 0 FROM pg_stat_activity) AS has_sessions;
SELECT lower('A') = 'a'::text, now() IS NOT NULL, clock_timestamp() - make_interval(secs => 1) IS NOT NULL,
       current_setting('search_path'), 'a'::text ~ 'a';
SELECT fn, count(*) FROM evil.calls GROUP BY fn ORDER BY fn;
TRUNCATE evil.calls;

-- Now every entry point of the extension, under both search_paths. Migration SQL schema-qualifies
-- what it creates, since with evil first an unqualified CREATE TABLE would land in evil.
SET search_path = evil, public;
SELECT public.migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial
-- branch_labels: main
-- migrate:upgrade
CREATE TABLE public.sp_one (id int);
-- migrate:downgrade
DROP TABLE public.sp_one;
$m$, '20260101_0000_001_initial.sql');
SELECT public.migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: second
-- lock_timeout: 5s
-- migrate:upgrade
CREATE TABLE public.sp_two (id int);
-- migrate:downgrade
DROP TABLE public.sp_two;
-- migrate:verify
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) 0 FROM public.sp_two;
$m$, '20260101_0001_002_second.sql');
SELECT public.migrate_add($m$-- revision: 003
-- down_revision: 001
-- message: side branch
-- depends_on: 002
-- migrate:upgrade
CREATE TABLE public.sp_three (id int);
-- migrate:downgrade
DROP TABLE public.sp_three;
$m$, '20260101_0002_003_side.sql');
-- re-adding the same content (checksum lookup) and changing an unapplied revision
SELECT public.migrate_add($m$-- revision: 003
-- down_revision: 001
-- message: side branch
-- depends_on: 002
-- migrate:upgrade
CREATE TABLE public.sp_three (id int);
-- migrate:downgrade
DROP TABLE public.sp_three;
$m$, '20260101_0002_003_side.sql');
SELECT public.migrate_add($m$-- revision: 003
-- down_revision: 001
-- message: side branch, edited
-- depends_on: 002
-- migrate:upgrade
CREATE TABLE public.sp_three (id int, note text);
-- migrate:downgrade
DROP TABLE public.sp_three;
$m$, '20260101_0002_003_side.sql');
SELECT revision FROM public.migrate_upgrade('heads');
-- changing an applied revision: refused (the applied-set query)
SELECT public.migrate_add($m$-- revision: 003
-- down_revision: 001
-- message: side branch, edited again
-- migrate:upgrade
SELECT 1;
$m$, '20260101_0002_003_side.sql');
SELECT * FROM public.migrate_current();
SELECT revision, is_applied FROM public.migrate_history(true);
SELECT revision FROM public.migrate_heads();
SELECT revision FROM public.migrate_branches();
SELECT revision FROM public.migrate_show('003');
SELECT length(public.migrate_script('downgrade', 'base')) > 0 AS has_script;
SELECT public.migrate_check();
SELECT public.migrate_lock(true);
SELECT revision FROM public.migrate_downgrade('001');
SELECT public.migrate_stamp('heads');
SELECT public.migrate_stamp('001', true);
SELECT revision FROM public.migrate_downgrade('base');
SELECT fn, count(*) FROM evil.calls GROUP BY fn ORDER BY fn;

SET search_path = evil, pg_catalog, public;
SELECT public.migrate_lock(true);
SELECT revision FROM public.migrate_upgrade('002');
SELECT revision FROM public.migrate_downgrade('base');
CALL public.migrate_upgrade_per_revision('heads');
CALL public.migrate_downgrade_per_revision('001');
CALL public.migrate_upgrade_per_revision('heads');
SELECT public.migrate_stamp('002');
SELECT public.migrate_stamp('heads');
SELECT public.migrate_add($m$-- revision: 004
-- down_revision: 002, 003
-- message: merge
-- migrate:upgrade
CREATE TABLE public.sp_four (id int);
-- migrate:downgrade
DROP TABLE public.sp_four;
$m$, '20260101_0003_004_merge.sql');
SELECT public.migrate_script('upgrade', 'head') IS NOT NULL AS has_script;
SELECT public.migrate_check();
SELECT revision FROM public.migrate_upgrade('head');
SELECT * FROM public.migrate_current();
SELECT revision, is_current FROM public.migrate_history();
SELECT revision FROM public.migrate_show('004');
SELECT public.migrate_check();
-- nothing the extension itself ran called a look-alike, and its own tables were used
SELECT fn, count(*) FROM evil.calls GROUP BY fn ORDER BY fn;
SELECT (SELECT count(*) FROM evil.revisions) + (SELECT count(*) FROM evil.version)
       + (SELECT count(*) FROM evil.log) + (SELECT count(*) FROM evil.lock_holder) AS rows_in_look_alike_tables;
SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version;

-- The migration's own SQL does run with the caller's search_path (documented): with evil first,
-- its unqualified lower() is evil's, and only that call is recorded.
SELECT public.migrate_add($m$-- revision: 005
-- down_revision: 004
-- message: uses the caller's search_path
-- migrate:upgrade
CREATE TABLE public.sp_five AS SELECT lower('X') AS x;
-- migrate:downgrade
DROP TABLE public.sp_five;
$m$, '20260101_0004_005_path.sql');
SELECT revision FROM public.migrate_upgrade('head');
SELECT fn, count(*) FROM evil.calls GROUP BY fn ORDER BY fn;
SELECT x FROM public.sp_five;
-- and search_path is the caller's again afterwards
SHOW search_path;

RESET search_path;
SELECT revision FROM migrate_downgrade('base');
DROP EXTENSION migrate;
DROP SCHEMA evil CASCADE;

-- ---- injection through the text of migration files ---------------------------------------------
CREATE EXTENSION migrate;
CREATE TABLE inj_canary (id int);
-- Ids and branch labels are restricted to [A-Za-z0-9_]: anything else is refused by the parser.
SELECT migrate_add($m$-- revision: x'; DROP TABLE inj_canary; --
-- migrate:upgrade
SELECT 1;
$m$);
SELECT migrate_add($m$-- revision: ok
-- down_revision: a'b
-- migrate:upgrade
SELECT 1;
$m$);
SELECT migrate_add($m$-- revision: ok
-- branch_labels: l$$x
-- migrate:upgrade
SELECT 1;
$m$);
SELECT migrate_add($m$-- revision: ok
-- depends_on: "x"
-- migrate:upgrade
SELECT 1;
$m$);
SELECT migrate_add($m$-- revision: ok
-- lock_timeout: 1s'; DROP TABLE inj_canary; --
-- migrate:upgrade
SELECT 1;
$m$);
SELECT count(*) AS stored FROM migrate.revisions;

-- Messages and file names are free text: quotes, semicolons, dollar quotes, backslashes, comment
-- markers and format specifiers are stored and printed verbatim, and run nothing.
SELECT migrate_add($file$-- revision: 001
-- down_revision: none
-- message: it's'; DROP TABLE inj_canary; -- $$ $m$ \' \\ */ /* E'\x41' %s %n :foo :'foo' \gexec
-- migrate:upgrade
CREATE TABLE inj_one (id int);
-- migrate:downgrade
DROP TABLE inj_one;
$file$, $f$20260101_0000_001_it's'; DROP TABLE inj_canary; --$$\%s.sql$f$);
SELECT migrate_add($file$-- revision: 002
-- down_revision: 001
-- message: \'; DROP TABLE inj_canary; SELECT '
-- branch_labels: quoted_label
-- migrate:upgrade
CREATE TABLE inj_two (id int);
-- migrate:downgrade
DROP TABLE inj_two;
$file$, E'20260101_0001_002_\\\\back\\slash;semicolon.sql');
-- a control character in a file name or a header value is refused (a newline in a name could
-- end a comment of a --sql script and start a statement)
SELECT migrate_add($file$-- revision: 003
-- down_revision: 002
-- migrate:upgrade
SELECT 1;
$file$, E'20260101_0002_003_x\nALTER ROLE attacker SUPERUSER;\n--.sql');
SELECT migrate_add($file$-- revision: 003
-- down_revision: 002
-- migrate:upgrade
SELECT 1;
$file$, E'20260101_0002_003_x\r.sql');
SELECT migrate_add(E'-- revision: 003\n-- down_revision: 002\n-- message: a bell \x07 and an escape \x1b[2J\n-- migrate:upgrade\nSELECT 1;\n', 'x.sql');
SELECT revision, message, filename FROM migrate.revisions ORDER BY revision;
SELECT revision, message FROM migrate_upgrade('head');
SELECT entry FROM migrate_history();
SELECT message, filename FROM migrate_show('001');
SELECT revision, direction, down_revision FROM migrate.log ORDER BY id;
-- hostile targets are only ever looked up, never run
SELECT * FROM migrate_downgrade($t$001'; DROP TABLE inj_canary; --$t$);
SELECT migrate_stamp($t$base'); DROP TABLE inj_canary; --$t$);
SELECT migrate_show($t$'; DROP TABLE inj_canary; --$t$);
SELECT migrate_script('upgrade', $t$head$$; DROP TABLE inj_canary$t$);
SELECT to_regclass('inj_canary') IS NOT NULL AS canary_alive;

-- The scripts migrate_script prints are valid SQL that psql runs as they are, under either
-- setting of standard_conforming_strings: downgrade to base, then upgrade again from the script.
SELECT migrate_script('downgrade', 'base') AS script \gset
SET standard_conforming_strings = off;
:script
RESET standard_conforming_strings;
SELECT count(*) AS version_rows, to_regclass('inj_one') IS NULL AS one_dropped FROM migrate.version;
SELECT migrate_script('upgrade', 'head') AS script \gset
:script
SELECT revision FROM migrate.version;
SELECT to_regclass('inj_one') IS NOT NULL AND to_regclass('inj_two') IS NOT NULL AS both_created;
SELECT revision, direction, down_revision FROM migrate.log ORDER BY id;
SELECT to_regclass('inj_canary') IS NOT NULL AS canary_alive;

SELECT revision FROM migrate_downgrade('base');
DROP TABLE inj_canary;
DROP EXTENSION migrate;

-- ---- the extension's schema ----------------------------------------------------------------------
-- Installing where other roles may create objects draws a warning naming them: a function of
-- theirs there could take the name of one of migrate's (pgmigrate refuses such a schema once one
-- is there: tests/e2e/test_store_rule.sh). Where only the owner may, nothing is said.
CREATE SCHEMA regress_open;
GRANT CREATE ON SCHEMA regress_open TO regress_sec_deploy;
CREATE EXTENSION migrate SCHEMA regress_open;
DROP EXTENSION migrate;
REVOKE CREATE ON SCHEMA regress_open FROM regress_sec_deploy;
CREATE EXTENSION migrate SCHEMA regress_open;
DROP EXTENSION migrate;
DROP SCHEMA regress_open;
DROP ROLE regress_sec_nobody;
DROP ROLE regress_sec_deploy;
\c :regress_home
DROP DATABASE regress_security;
