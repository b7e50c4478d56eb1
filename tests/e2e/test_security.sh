#!/usr/bin/env bash
# Security through the client: a deploy role with exactly README's grants migrates with pgmigrate
# in every mode (one transaction, one commit per revision, a transactional: false revision run by
# the client itself); a role without them is refused and changes nothing; and with a hostile
# schema first on search_path (explicitly before pg_catalog), nothing the client or the extension
# runs for its own bookkeeping calls a look-alike function or operator.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
URL=$(new_db main)
DB=${URL##*/}
DEPLOY=e2e_security_deploy
NOBODY=e2e_security_nobody
sql "$URL" "DROP ROLE IF EXISTS $DEPLOY; DROP ROLE IF EXISTS $NOBODY;
            CREATE ROLE $DEPLOY LOGIN; CREATE ROLE $NOBODY LOGIN;
            GRANT CREATE ON SCHEMA public TO $DEPLOY" >/dev/null 2>&1
trap 'sql "$BASE_URL/postgres" "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1;
      sql "$BASE_URL/postgres" "DROP ROLE IF EXISTS $DEPLOY; DROP ROLE IF EXISTS $NOBODY" >/dev/null 2>&1; cleanup' EXIT

# The documented grants, taken from docs/security.md itself (the block under "Granting migration rights").
grants=$(readme_grants "$DEPLOY")
[[ $grants == *"GRANT EXECUTE"* && $grants == *"migrate_remove"* && $grants != *"ON migrate.revisions"* ]] && pass ||
	fail "README has the deploy grants, without write rights on migrate.revisions: [$grants]"
sql "$URL" "$grants" >/dev/null
expect_eq "0" "$?" "README's grants run"

# Look-alikes in schema evil, each recording its call.
sql "$URL" "
CREATE SCHEMA evil;
CREATE TABLE evil.calls (fn text);
GRANT USAGE, CREATE ON SCHEMA evil TO PUBLIC;
GRANT ALL ON evil.calls TO PUBLIC;
CREATE FUNCTION evil.record(fn text) RETURNS void LANGUAGE sql AS \$\$ INSERT INTO evil.calls VALUES (fn) \$\$;
CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('text = text'); RETURN pg_catalog.texteq(\$1, \$2); END\$\$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq);
CREATE FUNCTION evil.nameeq(name, name) RETURNS boolean LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('name = name'); RETURN pg_catalog.nameeq(\$1, \$2); END\$\$;
CREATE OPERATOR evil.= (LEFTARG = name, RIGHTARG = name, FUNCTION = evil.nameeq);
CREATE FUNCTION evil.oideq(oid, oid) RETURNS boolean LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('oid = oid'); RETURN pg_catalog.oideq(\$1, \$2); END\$\$;
CREATE OPERATOR evil.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = evil.oideq);
CREATE FUNCTION evil.int4eq(int4, int4) RETURNS boolean LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('int4 = int4'); RETURN pg_catalog.int4eq(\$1, \$2); END\$\$;
CREATE OPERATOR evil.= (LEFTARG = int4, RIGHTARG = int4, FUNCTION = evil.int4eq);
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('lower'); RETURN pg_catalog.lower(\$1); END\$\$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('now'); RETURN pg_catalog.now(); END\$\$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('current_setting'); RETURN pg_catalog.current_setting(\$1); END\$\$;
CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('set_config'); RETURN pg_catalog.set_config(\$1, \$2, \$3); END\$\$;
CREATE FUNCTION evil.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('to_regclass'); RETURN pg_catalog.to_regclass(\$1); END\$\$;
CREATE VIEW evil.pg_locks AS SELECT l.* FROM pg_catalog.pg_locks l CROSS JOIN LATERAL evil.record('pg_locks') r;
CREATE VIEW evil.pg_stat_activity AS
  SELECT a.* FROM pg_catalog.pg_stat_activity a CROSS JOIN LATERAL evil.record('pg_stat_activity') r;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('unnest'); RETURN QUERY SELECT pg_catalog.unnest(\$1); END\$\$;
CREATE FUNCTION evil.array_to_string(text[], text) RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('array_to_string'); RETURN pg_catalog.array_to_string(\$1, \$2); END\$\$;
CREATE FUNCTION evil.to_regprocedure(text) RETURNS regprocedure LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('to_regprocedure'); RETURN pg_catalog.to_regprocedure(\$1); END\$\$;
CREATE FUNCTION evil.pg_backend_pid() RETURNS int LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('pg_backend_pid'); RETURN pg_catalog.pg_backend_pid(); END\$\$;
CREATE TABLE evil.revisions (LIKE migrate.revisions);
CREATE TABLE evil.version (revision text);
GRANT ALL ON ALL TABLES IN SCHEMA evil TO PUBLIC;
" >/dev/null
# the traps work: with evil first, an unqualified text = text is evil's
PGOPTIONS="-c search_path=evil,pg_catalog,public" sql "$URL" "SELECT 'a'::text = 'a'::text" >/dev/null
expect_eq "text = text" "$(sql "$URL" "SELECT string_agg(fn, ',') FROM evil.calls")" "the trap records calls"
sql "$URL" "TRUNCATE evil.calls" >/dev/null

# A project with every kind of step: one transaction, a transactional: false revision, and
# revisions applied one commit at a time.
linear_project migrations
rev migrations/20260101_0003_004_index.sql 004 003 "index" "CREATE INDEX CONCURRENTLY t1_b_idx ON t1 (b);" \
	"DROP INDEX CONCURRENTLY t1_b_idx;" "-- transactional: false"
rev migrations/20260101_0004_005_t5.sql 005 004 "t5" "CREATE TABLE public.t5 (id int);" "DROP TABLE public.t5;"
DEPLOY_URL="postgresql://$DEPLOY@127.0.0.1:$PORT/$DB"
# README: it cannot write migrate.revisions directly, nor update or delete audit rows.
for stmt in "UPDATE migrate.revisions SET upgrade_sql = 'ALTER ROLE $DEPLOY SUPERUSER'" \
	"INSERT INTO migrate.revisions (revision, upgrade_sql, upgrade_line, checksum) VALUES ('x', 'SELECT 1', 1, 'x')" \
	"DELETE FROM migrate.version" "INSERT INTO migrate.version VALUES ('001')" \
	"INSERT INTO migrate.log (revision, direction, started_at, \"session_user\") VALUES ('002', 'upgrade', now() - interval '3 days', 'postgres')" \
	"DELETE FROM migrate.log" "UPDATE migrate.log SET revision = 'x'" "TRUNCATE migrate.log"; do
	"$PSQL" -XqAt "$DEPLOY_URL" -c "$stmt" >/dev/null 2>"$WORK/denied.err"
	grep -q "permission denied" "$WORK/denied.err" && pass || fail "deploy may not: $stmt ($(cat "$WORK/denied.err"))"
done
NOBODY_URL="postgresql://$NOBODY@127.0.0.1:$PORT/$DB"
export PGOPTIONS="-c search_path=evil,pg_catalog,public"

# 1. without grants: refused, nothing changes
pgm -d "$NOBODY_URL" upgrade head
expect_rc 1 "a role without grants cannot upgrade"
expect_err_has "permission denied"
expect_eq "0|0" "$(sql "$URL" "SELECT (SELECT count(*) FROM migrate.revisions) || '|' || (SELECT count(*) FROM migrate.version)")" \
	"nothing stored or applied"
pgm -d "$NOBODY_URL" stamp base
expect_rc 1 "uploading needs the grants too"
expect_err_has "permission denied"
pgm -d "$NOBODY_URL" current
expect_rc 0 "reading needs no grant: a read-only command uploads nothing"

# 2. the deploy role with README's grants, in every mode, under the hostile search_path
pgm -d "$DEPLOY_URL" upgrade 002
expect_rc 0 "deploy role: one transaction"
expect_out "$(printf 'Running upgrade  -> 001, create t1\nRunning upgrade 001 -> 002, add b')"
pgm -d "$DEPLOY_URL" upgrade 003 --transaction-per-revision
expect_rc 0 "deploy role: one commit per revision"
# Granted only migrate_record's older form (grants made before 0.5.0): the steps pgmigrate runs
# itself are still recorded, without the lock trace.
sql "$URL" "REVOKE EXECUTE ON FUNCTION migrate_record(text, text, double precision, text, text, text[]) FROM $DEPLOY" >/dev/null
pgm -d "$DEPLOY_URL" upgrade head
expect_rc 0 "deploy role: a transactional: false revision run by the client"
expect_out "$(printf 'Running upgrade 003 -> 004, index\nRunning upgrade 004 -> 005, t5')"
sql "$URL" "GRANT EXECUTE ON FUNCTION migrate_record(text, text, double precision, text, text, text[]) TO $DEPLOY" >/dev/null
pgm -d "$DEPLOY_URL" current
expect_out "005 (head)"
pgm -d "$DEPLOY_URL" history --verbose
expect_rc 0
pgm -d "$DEPLOY_URL" check
expect_rc 0
pgm -d "$DEPLOY_URL" downgrade 002 --transaction-per-revision
expect_rc 0 "deploy role: per-revision downgrade through the transactional: false revision"
pgm -d "$DEPLOY_URL" stamp head
expect_rc 0 "deploy role: stamp"
pgm -d "$DEPLOY_URL" stamp 002
pgm -d "$DEPLOY_URL" downgrade base
expect_rc 0 "deploy role: downgrade to base"
# An upload keeps every byte. Each file is a parameter of migrate_add_all, or, for a role granted
# only migrate_add (grants made before 0.4.0), of the unnest that calls it once per file.
odd="SELECT 'it''s', E'back\\\\slash', '{\"a\",b}', '\$1', 'é';"
rev migrations/20260101_0005_006_bytes.sql 006 005 "bytes" "$odd" "SELECT 1;"
pgm -d "$DEPLOY_URL" stamp base
expect_rc 0 "deploy role: upload through migrate_add_all"
sql "$URL" "REVOKE EXECUTE ON FUNCTION migrate_add_all(text[], text[]) FROM $DEPLOY, PUBLIC" >/dev/null
rev migrations/20260101_0006_007_bytes.sql 007 006 "bytes again" "$odd" "SELECT 2;"
pgm -d "$DEPLOY_URL" stamp base
expect_rc 0 "deploy role: upload through migrate_add, one call per file"
for f in migrations/*_00[67]_bytes.sql; do
	id=${f%_bytes.sql}
	expect_eq "$(md5sum <"$f" | cut -d' ' -f1) ${f##*/}" \
		"$(PGOPTIONS= sql "$URL" "SELECT md5(content) || ' ' || filename FROM migrate.revisions WHERE revision = '${id##*_}'")" \
		"revision ${id##*_} is stored byte for byte"
done
expect_eq "2" "$(PGOPTIONS= sql "$URL" "SELECT count(*) FROM migrate.revisions WHERE strpos(upgrade_sql, \$\$$odd\$\$) > 0")" \
	"both upgrade sections hold the quotes, backslashes, braces and \$1"
sql "$URL" "GRANT EXECUTE ON FUNCTION migrate_add_all(text[], text[]) TO $DEPLOY" >/dev/null
pgm -d "$DEPLOY_URL" upgrade head --sql
expect_rc 0 "--sql with a database"
expect_eq "$DEPLOY" "$(sql "$URL" "SELECT string_agg(DISTINCT \"session_user\", ',') FROM migrate.log")" "the log names the deploy role"
expect_eq "" "$(sql "$URL" "SELECT string_agg(fn || ' x' || n, ', ') FROM (SELECT fn, count(*) n FROM evil.calls GROUP BY fn ORDER BY fn) c")" \
	"no look-alike was called by pgmigrate or the extension"
expect_eq "0" "$(sql "$URL" "SELECT (SELECT count(*) FROM evil.revisions) + (SELECT count(*) FROM evil.version)")" \
	"the look-alike tables were not used"
# the audit log stays append-only for the deploy role
"$PSQL" -XqAt "$DEPLOY_URL" -c "DELETE FROM migrate.log" >/dev/null 2>"$WORK/psql.err"
grep -q "permission denied for table log" "$WORK/psql.err" && pass || fail "deploy cannot delete the log: $(cat "$WORK/psql.err")"

finish
