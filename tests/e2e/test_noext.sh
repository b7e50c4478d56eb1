#!/usr/bin/env bash
# Client mode (--no-extension), as on a managed database that allows no C extension: a plain role
# (no superuser, cannot create extensions) owns its database; the error without the flag names both
# ways out; the example project goes to head, down one, history, check and test; the results match
# the extension's; concurrent clients apply each revision once; each section is one message; and
# install-extension / uninstall-extension move a database between the modes, history intact.
# (The e2e_noext label also runs other scripts of this directory in client mode.)
source "$(dirname "$0")/lib.sh"
unset PGMIGRATE_NO_EXTENSION
cd "$WORK"
cp -r "$E2E_SOURCE_DIR/migrations" migrations
# The example's first three revisions: this script's expectations (and its own 004 files) build on
# 003 as the head; the example's later revisions have tests of their own (test_backup.sh).
find migrations -name '*.sql' | while read -r f; do
	[[ 10#$(basename "$f" | cut -d_ -f3) -gt 3 ]] && rm "$f"
done
ROLE=e2e_noext_app
PGOPTIONS="-c client_min_messages=warning" sql "$BASE_URL/postgres" "DO \$\$ BEGIN CREATE ROLE $ROLE LOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null
# app_db NAME: a database owned by the plain role; prints the role's URL for it.
app_db() {
	local name="e2e_${TEST}_$1"
	PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$BASE_URL/postgres" \
		-c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\" OWNER $ROLE" >/dev/null
	echo "postgresql://$ROLE@127.0.0.1:$PORT/$name"
}
# state URL: every column of every row of the state tables.
state() {
	sql "$1" "SELECT 'revision', * FROM migrate.revisions ORDER BY revision" 2>&1
	sql "$1" "SELECT 'version', * FROM migrate.version ORDER BY revision" 2>&1
	sql "$1" "SELECT 'log', * FROM migrate.log ORDER BY id" 2>&1
}
ext_count() { sql "$1" "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"; }

APP=$(app_db main)
sql "$APP" "CREATE EXTENSION migrate" >/dev/null 2>"$WORK/create.err"
grep -q "permission denied" "$WORK/create.err" && pass || fail "the role cannot create the extension: $(cat "$WORK/create.err")"

# 1. Without --no-extension: a clear choice, nothing created.
pgm -d "$APP" upgrade head
expect_rc 1 "no extension, no flag"
expect_err_has "FAILED: the migrate extension is not installed in database \"${APP##*/}\""
expect_err_has "permission denied to create extension"
expect_err_has "CREATE EXTENSION migrate;"
expect_err_has "pass --no-extension (or set PGMIGRATE_NO_EXTENSION=1)"
expect_eq "" "$(sql "$APP" "SELECT to_regnamespace('migrate')")" "nothing created without the flag"

# 2. --no-extension: the example project to head, down one, history, check.
pgm -d "$APP" --no-extension upgrade head
expect_rc 0 "--no-extension upgrade head"
expect_out "$(printf 'Running upgrade  -> 001, initial schema\nRunning upgrade 001 -> 002, row level security\nRunning upgrade 002 -> 003, fact supersession')"
expect_err_has "Created the state tables in schema migrate"
expect_eq "003" "$(sql "$APP" "SELECT revision FROM migrate.version")" "version row"
expect_eq "001 upgrade,002 upgrade,003 upgrade" \
	"$(sql "$APP" "SELECT string_agg(revision || ' ' || direction, ',' ORDER BY id) FROM migrate.log")" "log rows"
expect_eq "$ROLE pgmigrate" "$(sql "$APP" "SELECT DISTINCT session_user || ' ' || application_name FROM migrate.log")" "who and what"
expect_eq "0" "$(ext_count "$APP")" "no extension"
expect_eq "$ROLE" "$(sql "$APP" "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'migrate'")" "the role owns the state"

pgm -d "$APP" upgrade head
expect_rc 1 "client-mode database without the flag"
expect_err_has "keeps its migration state without the migrate extension (client mode), and --no-extension was not given"
expect_err_has "pgmigrate install-extension"

export PGMIGRATE_NO_EXTENSION=1
pgm -d "$APP" current
expect_rc 0 "PGMIGRATE_NO_EXTENSION=1"
expect_out "003 (head)"
pgm -d "$APP" check
expect_rc 0
expect_out "No pending upgrades"
pgm -d "$APP" downgrade -1
expect_rc 0 "downgrade -1"
expect_out "Running downgrade 003 -> 002, fact supersession"
pgm -d "$APP" history --indicate-current
expect_rc 0 "history"
expect_out "$(printf '002 -> 003 (head), fact supersession\n001 -> 002 (current), row level security\n<base> -> 001, initial schema')"
pgm -d "$APP" check
expect_rc 1 "check below head"
expect_err_has "FAILED: Target database is not up to date."
pgm -d "$APP" --json upgrade head
expect_rc 0
expect_eq "003" "$(json '{current,0}')" "--json upgrade"
PGMIGRATE_NO_EXTENSION=0 pgm -d "$APP" current
expect_rc 1 "PGMIGRATE_NO_EXTENSION=0 is off"

# 2b. A role that may not create schemas: an administrator creates schema migrate for it once.
LIMITED="$BASE_URL/e2e_${TEST}_limited"
LIMITED_APP="postgresql://$ROLE@127.0.0.1:$PORT/${LIMITED##*/}"
limited_db() { # the superuser's database, where the role may only create tables in public
	PGOPTIONS="-c client_min_messages=warning" sql "$BASE_URL/postgres" "DROP DATABASE IF EXISTS \"${LIMITED##*/}\" WITH (FORCE)" >/dev/null
	sql "$BASE_URL/postgres" "CREATE DATABASE \"${LIMITED##*/}\"" >/dev/null
	sql "$LIMITED" "GRANT CREATE ON SCHEMA public TO $ROLE" >/dev/null
}
limited_db
pgm -d "$LIMITED_APP" --no-extension upgrade head
expect_rc 1 "no CREATE on the database"
expect_err_has "CREATE SCHEMA migrate AUTHORIZATION \"$ROLE\";"
sql "$LIMITED" "CREATE SCHEMA migrate AUTHORIZATION $ROLE" >/dev/null
pgm -d "$LIMITED_APP" --no-extension upgrade head
expect_rc 0 "schema migrate made for the role"
expect_eq "003" "$(sql "$LIMITED" "SELECT revision FROM migrate.version")" "at head"
limited_db
sql "$LIMITED" "CREATE SCHEMA migrate AUTHORIZATION $ROLE" >/dev/null
pgm --no-extension upgrade 001 --sql
printf '%s\n' "$OUT" >limited.sql
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f limited.sql "$LIMITED_APP" >psql.out 2>&1 && pass || fail "the script as that role: $(cat psql.out)"
expect_eq "001" "$(sql "$LIMITED" "SELECT revision FROM migrate.version")" "offline script at 001"
sql "$BASE_URL/postgres" "DROP DATABASE \"${LIMITED##*/}\" WITH (FORCE)" >/dev/null

# 3. The same results as the extension's: schema, version and log, output of a failing step.
EXT=$(new_db ext)
unset PGMIGRATE_NO_EXTENSION
pgm -d "$EXT" upgrade head
pgm -d "$EXT" downgrade -1
pgm -d "$EXT" upgrade head
if d=$(diff <(schema_of "$EXT" | grep -v -e '^CREATE EXTENSION IF NOT EXISTS migrate' -e '^COMMENT ON EXTENSION migrate') \
	<(schema_of "$APP")); then pass; else fail "schema in both modes differs:"$'\n'"$d"; fi
q="SELECT string_agg(revision || ' ' || direction || ' ' || down_revision || ' ' || checksum, ',' ORDER BY id) FROM migrate.log"
expect_eq "$(sql "$EXT" "$q")" "$(sql "$APP" "$q")" "log rows in both modes"
q="SELECT string_agg(concat_ws(' ', revision, down_revisions, message, upgrade_line, downgrade_line, checksum, filename, md5(upgrade_sql), md5(downgrade_sql)), ',' ORDER BY revision) FROM migrate.revisions"
expect_eq "$(sql "$EXT" "$q")" "$(sql "$APP" "$q")" "stored revisions in both modes"
mkdir broken
cp migrations/*.sql broken/
rev broken/20260301_0000_004_x.sql 004 003 "broken" "CREATE TABLE t4 (id int);
DO \$\$ BEGIN RAISE EXCEPTION 'boom'; END \$\$;
SELECT 1;" "DROP TABLE t4;"
# The errors are compared here, not lint's warnings (test_lint.sh): lint off in both modes.
PGOPTIONS='-c migrate.lint=off' pgm -d "$EXT" --dir broken upgrade head
ext_rc=$RC ext_out=$OUT ext_err=$ERR
PGOPTIONS='-c migrate.lint=off' pgm -d "$APP" --no-extension --dir broken upgrade head
expect_eq "1 1" "$ext_rc $RC" "a failing step: same exit status"
expect_eq "$ext_out" "$OUT" "a failing step: same stdout"
expect_eq "$ext_err" "$ERR" "a failing step: same stderr (revision, file, line, SQL statement)"
expect_err_has "file 20260301_0000_004_x.sql, line 7"
expect_eq "" "$(sql "$APP" "SELECT to_regclass('t4')")" "nothing of 004 stays"
rev broken/20260301_0000_004_x.sql 004 003 "commits" "CREATE TABLE t4 (id int);
COMMIT;" "DROP TABLE t4;"
PGOPTIONS='-c migrate.lint=off' pgm -d "$EXT" --dir broken upgrade head
ext_err=$ERR
PGOPTIONS='-c migrate.lint=off' pgm -d "$APP" --no-extension --dir broken upgrade head
expect_rc 1 "transaction control in a migration"
expect_eq "$ext_err" "$ERR" "transaction control: the extension's error"
expect_err_has "transaction control statements are not supported in a migration"
expect_eq "003" "$(sql "$APP" "SELECT revision FROM migrate.version")" "nothing committed"
expect_eq "" "$(sql "$APP" "SELECT to_regclass('t4')")" "no t4"
sql "$APP" "DELETE FROM migrate.revisions WHERE revision = '004'" >/dev/null
sql "$EXT" "DELETE FROM migrate.revisions WHERE revision = '004'" >/dev/null

# 4. One simple-query message per section: the server logs the section once, as one statement.
ONE=$(app_db one)
sql "$BASE_URL/postgres" "ALTER DATABASE \"${ONE##*/}\" SET log_statement = 'all'" >/dev/null
mkdir rt
rev rt/20260101_0000_001_rt.sql 001 none "round trips" "CREATE TABLE rt_marker (id int);
INSERT INTO rt_marker VALUES (1);
INSERT INTO rt_marker VALUES (2);
INSERT INTO rt_marker VALUES (3);" "DROP TABLE rt_marker;"
offset=$(($(stat -c %s "$E2E_CLUSTER/server.log") + 1))
pgm -d "$ONE" --no-extension --dir rt upgrade head
expect_rc 0
expect_eq "3" "$(sql "$ONE" "SELECT count(*) FROM rt_marker")" "every statement ran"
sleep 0.5
logged=$(tail -c +$offset "$E2E_CLUSTER/server.log")
expect_eq "1" "$(grep -c 'statement: CREATE TABLE rt_marker' <<<"$logged")" "the section is one message"
expect_eq "0" "$(grep -c 'statement: INSERT INTO rt_marker' <<<"$logged")" "no message per statement"

# 5. test: on a scratch database the role owns (it may not create databases).
SCRATCH=$(app_db scratch)
pgm -d "$APP" --no-extension test --scratch-url "$SCRATCH"
expect_rc 0 "test --scratch-url in client mode"
expect_out_has "OK: 3 revisions upgraded one at a time; 3 downgrades restored the schema exactly"
expect_eq "0" "$(ext_count "$SCRATCH")" "no extension in the scratch database"
pgm -d "$APP" --no-extension test
expect_rc 1 "test without CREATEDB"
expect_err_has "permission denied to create database"
expect_err_has "--scratch-url"

# 6. --sql in client mode: the script creates the state tables and stores the revisions itself.
OFF=$(app_db offline)
pgm --no-extension upgrade head --sql
expect_rc 0
printf '%s\n' "$OUT" >up.sql
grep -q "CREATE TABLE IF NOT EXISTS migrate.version" up.sql && pass || fail "the script creates the state tables"
grep -q "migrate_add" up.sql && fail "no migrate_add in client mode" || pass
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f up.sql "$OFF" >psql.out 2>&1 && pass || fail "psql -f up.sql as the role: $(cat psql.out)"
pgm -d "$OFF" --no-extension check
expect_rc 0 "the client sees the offline database at head"
expect_same_schema "$APP" "$OFF" "schema after the offline script"
pgm -d "$OFF" upgrade head --sql
expect_rc 1 "--sql on a client-mode database without the flag"
expect_err_has "--no-extension was not given"

# 7. Two clients at once, on a fresh database (both create the state) and around a slow
#    revision: each revision is applied once, both succeed.
RACE=$(app_db race)
rev migrations/20260301_0000_004_slow.sql 004 003 "slow" "SELECT pg_sleep(1); CREATE TABLE t5 (id int);" "DROP TABLE t5;"
"$PGMIGRATE" -d "$RACE" --no-extension upgrade head >a.out 2>a.err &
a=$!
"$PGMIGRATE" -d "$RACE" --no-extension upgrade head >b.out 2>b.err &
b=$!
wait $a
ra=$?
wait $b
rb=$?
expect_eq "0 0" "$ra $rb" "both migrators succeed: $(cat a.err b.err)"
expect_eq "1" "$(cat a.out b.out | grep -c 'Running upgrade 003 -> 004, slow')" "004 applied exactly once"
expect_eq "1" "$(cat a.err b.err | grep -c 'Created the state tables')" "the state created once"
expect_eq "1,1,1,1" "$(sql "$RACE" "SELECT string_agg(n::text, ',' ORDER BY revision) FROM (SELECT revision, count(*) AS n FROM migrate.log GROUP BY revision) c")" "one log row per revision"
rm migrations/20260301_0000_004_slow.sql

# 8. Moving between the modes. install-extension needs a role that may create the extension.
pgm -d "$APP" --no-extension upgrade head
before=$(state "$APP")
pgm -d "$APP" install-extension
expect_rc 1 "install-extension as the plain role"
expect_err_has "install-extension needs the migrate package on the server and a role allowed to create the extension"
expect_eq "$before" "$(state "$APP")" "nothing changed by the failed move"
ADMIN_APP="$BASE_URL/${APP##*/}"
pgm -d "$ADMIN_APP" install-extension
expect_rc 0 "install-extension"
expect_out_has "Moved database \"${APP##*/}\" from client mode into the migrate extension"
expect_out_has "3 revisions, version 003, 5 log rows"
expect_eq "1" "$(ext_count "$APP")" "the extension is installed"
expect_eq "$before" "$(state "$APP")" "history, version and log intact after install-extension"
pgm -d "$APP" current
expect_rc 0 "the role migrates through the extension now (no flag)"
expect_out "003 (head)"
pgm -d "$APP" downgrade -1
expect_rc 0 "downgrade through the extension"
sql "$APP" "SELECT count(*) FROM migrate_upgrade('head')" >/dev/null 2>"$WORK/psql.err" && pass ||
	fail "SELECT migrate_upgrade() from psql after the move: $(cat "$WORK/psql.err")"
expect_eq "6 003 downgrade,7 003 upgrade" \
	"$(sql "$APP" "SELECT string_agg(id || ' ' || revision || ' ' || direction, ',' ORDER BY id) FROM migrate.log WHERE id > 5")" \
	"the log's ids continue"
pgm -d "$ADMIN_APP" install-extension
expect_rc 0 "install-extension again"
expect_out_has "already installed"

before=$(state "$APP")
pgm -d "$APP" uninstall-extension
expect_rc 1 "uninstall-extension as the plain role"
expect_eq "1" "$(ext_count "$APP")" "still installed"
pgm -d "$ADMIN_APP" uninstall-extension
expect_rc 0 "uninstall-extension"
expect_out_has "Moved database \"${APP##*/}\" from the migrate extension to client mode"
expect_eq "0" "$(ext_count "$APP")" "the extension is dropped"
expect_eq "$before" "$(state "$APP")" "history, version and log intact after uninstall-extension"
pgm -d "$APP" --no-extension downgrade -1
expect_rc 0 "the role migrates in client mode again"
expect_eq "8 003 downgrade" "$(sql "$APP" "SELECT id || ' ' || revision || ' ' || direction FROM migrate.log WHERE id > 7")" \
	"the log's ids continue after uninstall-extension"
pgm -d "$APP" --no-extension history -i
expect_out_has "001 -> 002 (current), row level security"
pgm -d "$ADMIN_APP" uninstall-extension
expect_rc 0 "uninstall-extension again"
expect_out_has "already in client mode"

# 8b. install-extension carries only the grants the extension defines. A role that could migrate in
#     client mode gets EXECUTE on the state-changing functions, nothing on the superuser-owned tables
#     beyond reading them; any other grant (TRIGGER: its trigger would run as whoever migrates, a
#     superuser included; TRUNCATE; rights given to PUBLIC; column rights) stops the move unless
#     --drop-other-grants leaves it behind, one line each.
DEPLOY=e2e_noext_deploy
OTHER=e2e_noext_other
for r in $DEPLOY $OTHER; do
	PGOPTIONS="-c client_min_messages=warning" sql "$BASE_URL/postgres" "DO \$\$ BEGIN CREATE ROLE $r LOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null
done
GR=$(app_db grants)
mkdir gr
linear_project gr
pgm -d "$GR" --no-extension --dir gr upgrade head
expect_rc 0 "client mode, before the grants"
sql "$GR" "GRANT INSERT, UPDATE, DELETE ON migrate.revisions TO $DEPLOY;
GRANT INSERT, DELETE ON migrate.version TO $DEPLOY;
GRANT INSERT ON migrate.log TO $DEPLOY;
GRANT USAGE ON SEQUENCE migrate.log_id_seq TO $DEPLOY;
GRANT SELECT ON migrate.version TO $OTHER;
GRANT TRIGGER ON migrate.version TO $OTHER;
GRANT UPDATE (revision) ON migrate.version TO $OTHER;
GRANT TRUNCATE, DELETE ON migrate.log TO $OTHER;
GRANT INSERT ON migrate.version TO PUBLIC;
GRANT CREATE ON SCHEMA migrate TO $OTHER;" >/dev/null
expect_eq "0" "$?" "client-mode grants in place"
before=$(state "$GR")
acl_before=$(sql "$GR" "SELECT string_agg(c.relname || ':' || c.relacl::text, ' ' ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace")
ADMIN_GR="$BASE_URL/${GR##*/}"
pgm -d "$ADMIN_GR" --dir gr install-extension
expect_rc 1 "grants the extension does not define stop the move"
expect_err_has "carry grants that the migrate extension does not give"
expect_err_has "GRANT TRIGGER ON TABLE migrate.version TO $OTHER -- a trigger on a state table runs with the privileges of whoever migrates"
expect_err_has "GRANT TRUNCATE ON TABLE migrate.log TO $OTHER"
expect_err_has "GRANT DELETE ON TABLE migrate.log TO $OTHER -- it rewrites the append-only log"
expect_err_has "GRANT UPDATE (revision) ON TABLE migrate.version TO $OTHER"
expect_err_has "GRANT INSERT ON TABLE migrate.version TO PUBLIC -- every role could write the state"
expect_err_has "GRANT CREATE ON SCHEMA migrate TO $OTHER"
expect_err_has "--drop-other-grants"
expect_nowhere "GRANT SELECT ON TABLE migrate.version TO $OTHER"
expect_nowhere "TO $DEPLOY"
expect_eq "0" "$(ext_count "$GR")" "nothing installed"
expect_eq "$before" "$(state "$GR")" "the state unchanged"
expect_eq "$acl_before" "$(sql "$GR" "SELECT string_agg(c.relname || ':' || c.relacl::text, ' ' ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace")" \
	"the grants unchanged"

pgm -d "$ADMIN_GR" --dir gr --json install-extension --drop-other-grants
expect_rc 0 "install-extension --drop-other-grants"
expect_err_has "Dropped (not carried into the extension): GRANT TRIGGER ON TABLE migrate.version TO $OTHER"
expect_err_has "Dropped (not carried into the extension): GRANT INSERT ON TABLE migrate.version TO PUBLIC"
expect_eq "6" "$(printf '%s\n' "$ERR" | grep -c '^Dropped ')" "one line per dropped grant"
expect_eq "[\"$ROLE\", \"$DEPLOY\"]" "$(json '{granted}')" "the roles that could migrate"
expect_eq "1" "$(ext_count "$GR")" "installed"
expect_eq "$before" "$(state "$GR")" "history, version and log intact"
# The extension's tables: its owner's and SELECT for PUBLIC; nothing else (the roles that could
# migrate get EXECUTE instead).
expect_eq "" "$(sql "$GR" "SELECT coalesce(string_agg(c.relname || ' ' || a.privilege_type || ' ' || coalesce(r.rolname, 'PUBLIC') || CASE WHEN a.is_grantable THEN ' grantable' ELSE '' END, ',' ORDER BY 1), '')
	FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
	WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind IN ('r', 'S') AND a.grantee <> c.relowner
	AND NOT (a.grantee = 0 AND a.privilege_type = 'SELECT')")" "no table grants beyond the extension's"
expect_eq "0" "$(sql "$GR" "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'migrate'::regnamespace AND a.attacl IS NOT NULL")" \
	"no column grants"
expect_eq "USAGE PUBLIC" "$(sql "$GR" "SELECT string_agg(a.privilege_type || ' ' || coalesce(r.rolname, 'PUBLIC'), ',') FROM pg_namespace n, aclexplode(n.nspacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE n.nspname = 'migrate' AND a.grantee <> n.nspowner")" \
	"schema migrate: USAGE for PUBLIC only"
for r in $DEPLOY $ROLE; do
	expect_eq "t" "$(sql "$GR" "SELECT bool_and(has_function_privilege('$r', f, 'EXECUTE')) FROM unnest(ARRAY['public.migrate_add(text, text)', 'public.migrate_remove(text)', 'public.migrate_upgrade(text)', 'public.migrate_downgrade(text)', 'public.migrate_stamp(text, boolean)', 'public.migrate_record(text, text, double precision)', 'public.migrate_lock(boolean)', 'public.migrate_hold_lock(text)', 'public.migrate_upgrade_per_revision(text)', 'public.migrate_downgrade_per_revision(text)']) f")" \
		"$r may call the state-changing functions"
done
expect_eq "f f f" "$(sql "$GR" "SELECT concat_ws(' ', has_table_privilege('$OTHER', 'migrate.version', 'TRIGGER'), has_table_privilege('$OTHER', 'migrate.log', 'TRUNCATE'), has_function_privilege('$OTHER', 'public.migrate_upgrade(text)', 'EXECUTE'))")" \
	"the other role keeps nothing"
pgm -d "postgresql://$DEPLOY@127.0.0.1:$PORT/${GR##*/}" --dir gr stamp 002
expect_rc 0 "the deploy role migrates through the extension"
expect_eq "002" "$(sql "$GR" "SELECT revision FROM migrate.version")" "stamped by the deploy role"
sql "postgresql://$OTHER@127.0.0.1:$PORT/${GR##*/}" "CREATE FUNCTION pg_temp.t() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER t BEFORE INSERT ON migrate.version FOR EACH ROW EXECUTE FUNCTION pg_temp.t()" >/dev/null 2>"$WORK/trig.err"
grep -q "permission denied\|must be owner" "$WORK/trig.err" && pass || fail "the other role cannot put a trigger on migrate.version: $(cat "$WORK/trig.err")"

# 9. --no-extension where the extension is installed: the engine runs in pgmigrate over its tables.
pgm -d "$EXT" --no-extension downgrade -1
expect_rc 0 "--no-extension with the extension installed"
expect_err_has "over the extension's tables"
expect_out "Running downgrade 003 -> 002, fact supersession"
expect_eq "002" "$(sql "$EXT" "SELECT revision FROM migrate.version")" "version in the extension's table"

# 10. A hostile schema first on search_path (before pg_catalog): nothing pgmigrate runs for its own
#     bookkeeping in client mode, nor install-extension / uninstall-extension (run by a superuser),
#     calls a look-alike operator or function. The project's own SQL uses no operator.
EVIL=$(app_db evil)
sql "$EVIL" "
CREATE SCHEMA evil;
CREATE TABLE evil.calls (fn text);
GRANT USAGE ON SCHEMA evil TO PUBLIC;
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
CREATE FUNCTION evil.textregexeq(text, text) RETURNS boolean LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('text ~ text'); RETURN pg_catalog.textregexeq(\$1, \$2); END\$\$;
CREATE OPERATOR evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textregexeq);
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('now'); RETURN pg_catalog.now(); END\$\$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('current_setting'); RETURN pg_catalog.current_setting(\$1); END\$\$;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS
  \$\$BEGIN PERFORM evil.record('unnest'); RETURN QUERY SELECT pg_catalog.unnest(\$1); END\$\$;
" >/dev/null
expect_eq "0" "$?" "the look-alikes are in place"
PGOPTIONS="-c search_path=evil,pg_catalog,public" sql "$EVIL" "SELECT 'a'::text = 'a'::text" >/dev/null
expect_eq "text = text" "$(sql "$EVIL" "SELECT string_agg(fn, ',') FROM evil.calls")" "the trap records calls"
sql "$EVIL" "TRUNCATE evil.calls" >/dev/null
mkdir plain
linear_project plain
export PGOPTIONS="-c search_path=evil,pg_catalog,public"
pgm -d "$EVIL" --no-extension --dir plain upgrade head
expect_rc 0 "client mode with a hostile search_path"
pgm -d "$EVIL" --no-extension --dir plain downgrade -1
pgm -d "$EVIL" --no-extension --dir plain stamp head
pgm -d "$EVIL" --no-extension --dir plain check
expect_rc 0
pgm -d "$BASE_URL/${EVIL##*/}" install-extension --schema public
expect_rc 0 "install-extension with a hostile search_path"
pgm -d "$BASE_URL/${EVIL##*/}" uninstall-extension
expect_rc 0 "uninstall-extension with a hostile search_path"
unset PGOPTIONS
expect_eq "" "$(sql "$EVIL" "SELECT string_agg(fn || ' x' || n, ', ') FROM (SELECT fn, count(*) AS n FROM evil.calls GROUP BY fn) c")" \
	"no look-alike was called"
expect_eq "003 stamp" "$(sql "$EVIL" "SELECT revision || ' ' || direction FROM migrate.log ORDER BY id DESC LIMIT 1")" "the state moved back and forth"

# ... nor does a client-mode --sql script (state tables, guarded uploads, steps) run by psql
rev plain/20260101_0003_004_t4.sql 004 003 "t4" "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
pgm -d "$EVIL" --no-extension --dir plain upgrade head --sql
expect_rc 0
printf '%s\n' "$OUT" >evil.sql
PGOPTIONS="-c search_path=evil,pg_catalog,public" "$PSQL" -Xq -v ON_ERROR_STOP=1 -f evil.sql "$EVIL" >psql.out 2>&1
expect_eq "0" "$?" "the script under a hostile search_path: $(cat psql.out)"
expect_eq "004" "$(sql "$EVIL" "SELECT revision FROM migrate.version")" "the script reached 004"
expect_eq "" "$(sql "$EVIL" "SELECT string_agg(fn || ' x' || n, ', ') FROM (SELECT fn, count(*) AS n FROM evil.calls GROUP BY fn) c")" \
	"no look-alike was called by the script"

finish
