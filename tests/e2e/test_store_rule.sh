#!/usr/bin/env bash
# e2e_noext
# The files and the database agree (files_view.hpp), in both modes (e2e_noext): a stored revision
# that has no file and was never applied is never planned and the next write drops it; an applied
# one whose file is gone stays, marked "(no file)"; heads, check, current, upgrade and stamp agree.
# Read-only commands upload nothing and work for a role that may only read; a draft blocks only a
# plan that would apply it. A stored revision edited outside migrate_add never runs.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
M=migrations
F2=$M/20260101_0001_002_add_b.sql
F3=$M/20260101_0002_003_create_t3.sql
mv "$F3" saved3.sql

# --- 1. a reverted pull request: 002 applied, undone, its file deleted -------------------------
URL=$(new_db reverted)
pgm -d "$URL" upgrade head
expect_rc 0
pgm -d "$URL" downgrade -1
expect_rc 0
rm "$F2"
pgm -d "$URL" heads
expect_out "001 (head)"
pgm -d "$URL" check
expect_rc 0 "check agrees with heads"
expect_out "No pending upgrades"
pgm -d "$URL" current
expect_out "001 (head)"
expect_err_has "Stored revision 002 has no file and was never applied: ignored"
expect_eq "2" "$(sql "$URL" "SELECT count(*) FROM migrate.revisions")" "read-only commands removed nothing"
pgm -d "$URL" upgrade head
expect_rc 0
expect_err_has "Removed revision 002 from the database: it has no file and was never applied."
expect_out_lacks "Running upgrade"
expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.revisions")" "002 dropped from the store"
expect_eq "remove" "$(sql "$URL" "SELECT direction FROM migrate.log WHERE revision = '002' ORDER BY id DESC LIMIT 1")" \
	"the removal is in the audit log"
pgm -d "$URL" stamp head
expect_rc 0
expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")" "stamp head agrees"
pgm -d "$URL" show 002
expect_rc 1
expect_err_has "Can't locate revision identified by '002'"

# --- 2. a deploy loop: a never-applied revision fails, its file is deleted to unblock -----------
URL=$(new_db loop)
rev "$F2" 002 001 "broken" "ALTER TABLE nowhere ADD COLUMN b text;" "SELECT 1;"
pgm -d "$URL" upgrade head
expect_rc 1 "the broken revision fails"
rm "$F2"
pgm -d "$URL" upgrade head
expect_rc 0 "deleting its file unblocks the deploy"
expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")"

# --- 3. an applied revision whose file is gone stays, marked, and can be rolled back -----------
URL=$(new_db applied)
rev "$F2" 002 001 "add b" "ALTER TABLE t1 ADD COLUMN b text;" "ALTER TABLE t1 DROP COLUMN b;"
pgm -d "$URL" upgrade head
expect_rc 0
rm "$F2"
pgm -d "$URL" heads
expect_out "002 (head) (no file)"
pgm -d "$URL" current
expect_out "002 (head) (no file)"
pgm -d "$URL" history
expect_out_has "001 -> 002 (head), add b (no file)"
pgm -d "$URL" check
expect_rc 0 "an applied revision without a file is still the head"
pgm -d "$URL" upgrade head
expect_rc 0
expect_out_lacks "Running upgrade"
expect_eq "2" "$(sql "$URL" "SELECT count(*) FROM migrate.revisions")" "the applied revision stays stored"
pgm -d "$URL" downgrade -1 --sql
expect_rc 0
expect_out_has "ALTER TABLE t1 DROP COLUMN b;"
pgm -d "$URL" downgrade -1
expect_rc 0 "rollback without the file, from the stored downgrade"
expect_out "Running downgrade 002 -> 001, add b"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM information_schema.columns WHERE table_name = 't1' AND column_name = 'b'")"

# --- 4. read-only commands: nothing uploaded, a role that may only read is enough -------------
URL=$(new_db readonly)
rev "$F2" 002 001 "add b" "ALTER TABLE t1 ADD COLUMN b text;" "ALTER TABLE t1 DROP COLUMN b;"
pgm -d "$URL" upgrade 001
expect_rc 0
sql "$BASE_URL/postgres" "DO \$\$ BEGIN CREATE ROLE e2e_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null 2>&1
READER=${URL/\/\/*@/\/\/e2e_reader@}
rev "$M/20260101_0002_003_new.sql" 003 002 "new" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
for cmd in current check heads history branches "show 002" "upgrade head --sql" "stamp head --sql"; do
	pgm -d "$READER" $cmd
	[[ $cmd == check ]] && expect_rc 1 "check as a reader: not up to date" || expect_rc 0 "$cmd as a role that may only read"
done
expect_eq "001,002" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.revisions")" \
	"read-only commands uploaded nothing (003 is new)"
rm "$M/20260101_0002_003_new.sql"
pgm -d "$READER" stamp head --sql
expect_out_has "INSERT INTO migrate.version (revision) VALUES ('002')"
expect_out_has "DELETE FROM migrate.version"

# --- 5. a draft blocks only a plan that would apply it -----------------------------------------
pgm -d "$URL" upgrade head
expect_rc 0
printf -- '-- revision: 003\n-- down_revision: 002\n-- message: draft\n\n-- migrate:upgrade\n\n-- migrate:downgrade\n' >"$M/20260101_0002_003_draft.sql"
for cmd in current heads history "downgrade -1 --sql" "stamp 002 --sql" "upgrade 002 --sql"; do
	pgm -d "$URL" $cmd
	expect_rc 0 "$cmd with a draft present"
	expect_err_has "the upgrade section is empty"
done
pgm -d "$URL" check
expect_rc 1 "the draft is pending"
expect_err_has "Target database is not up to date."
pgm -d "$URL" upgrade head
expect_rc 1
expect_err_has "FAILED: revision 003 is not filled in: its upgrade section is empty"
expect_eq "001,002" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.revisions")" "the draft is not uploaded"
pgm -d "$URL" stamp head
expect_rc 1
expect_err_has "revision 003 is not filled in"
pgm -d "$URL" downgrade -1
expect_rc 0 "a draft does not block a rollback"
expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")"
rm "$M/20260101_0002_003_draft.sql"

# --- 6. history refuses a reversed range, as Alembic does ---------------------------------------
pgm history -r 002:001
expect_rc 1
expect_err_has "Revision 002 is not an ancestor of revision 001"

# --- 7. remove: refused while the file exists or once applied ----------------------------------
URL=$(new_db remove)
cp saved3.sql "$F3"
pgm -d "$URL" upgrade 002
expect_rc 0
pgm -d "$URL" remove 003
expect_rc 1 "003 still has a file"
expect_err_has "revision 003 still has a file"
mv "$F3" saved3.sql
mv "$F2" saved2.sql
pgm -d "$URL" remove 002
expect_rc 1 "002 is applied"
expect_err_has "revision 002 is applied and cannot be removed"
pgm -d "$URL" remove 003
expect_rc 0
expect_out "Removed revision 003"
expect_eq "001,002" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.revisions")"
mv saved2.sql "$F2"

# --- 8. what runs is what was verified ---------------------------------------------------------
URL=$(new_db tamper)
cp saved3.sql "$F3"
pgm -d "$URL" upgrade 002
expect_rc 0
# as the state's owner (the test's superuser, or e2e_app in client mode): content edited in place
sql "$URL" "CREATE TABLE kept AS SELECT content FROM migrate.revisions WHERE revision = '003'"
sql "$URL" "UPDATE migrate.revisions SET content = replace(content, 'CREATE TABLE t3 (id int);', 'CREATE TABLE t3 (id int); CREATE TABLE pwned ();') WHERE revision = '003'"
pgm -d "$URL" upgrade head
expect_rc 1 "an edited content is refused"
expect_err_has "stored revision 003 does not match its checksum"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname IN ('pwned', 't3')")" "nothing ran"
# its columns edited instead, the content left alone: refused too
sql "$URL" "UPDATE migrate.revisions SET content = (SELECT content FROM kept), upgrade_sql = 'CREATE TABLE pwned ();' WHERE revision = '003'"
pgm -d "$URL" upgrade head
expect_rc 1 "edited columns are refused"
expect_err_has "stored revision 003 does not match its"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname IN ('pwned', 't3')")" "nothing ran"

# --- 9. a database that Alembic migrated: detected, and adopted ---------------------------------
URL=$(new_db alembic)
sql "$URL" "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
            INSERT INTO alembic_version VALUES ('002'); CREATE TABLE t1 (id int PRIMARY KEY, b text)" >/dev/null
pgm -d "$URL" current
expect_rc 0
expect_err_has "public.alembic_version holds 002: this database was migrated by Alembic"
pgm -d "$URL" upgrade head
expect_rc 1 "upgrading an Alembic database from base"
expect_err_has "was migrated by Alembic: public.alembic_version holds 002"
expect_err_has "pgmigrate adopt"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname = 't3'")" "nothing ran"
pgm -d "$URL" adopt
expect_rc 0
pgm -d "$URL" upgrade head
expect_rc 0 "adopted: upgrades continue from Alembic's revision"
expect_out "Running upgrade 002 -> 003, create t3"

# --- 10. a script made without a database never calls migrate_add unqualified -------------------
# A role that owns the schema named like the runner ("$user", first on the default search_path)
# defines a look-alike; the script finds the extension's own function instead.
if [[ -z $NOEXT ]]; then
	URL=$(new_db unqualified)
	sql "$URL" "CREATE SCHEMA postgres; CREATE TABLE postgres.calls (n int);
	            CREATE FUNCTION postgres.migrate_add(text, text DEFAULT NULL) RETURNS text LANGUAGE sql
	            AS 'INSERT INTO postgres.calls VALUES (1) RETURNING ''hijacked''';" >/dev/null
	pgm upgrade 001 --sql
	expect_rc 0
	expect_out_has "EXECUTE pg_catalog.format('SELECT %I.migrate_add("
	printf '%s\n' "$OUT" | "$PSQL" -XqAt -v ON_ERROR_STOP=1 "$URL" >/dev/null 2>"$WORK/psql.err"
	expect_eq "0" "$?" "the script runs: $(cat "$WORK/psql.err")"
	expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM postgres.calls")" "the look-alike was never called"
	expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")"
	# an overload in the extension's schema (whoever may create there) is named, not a mystery
	sql "$URL" "CREATE FUNCTION public.migrate_upgrade(target text, n int DEFAULT 0) RETURNS void LANGUAGE sql AS 'SELECT'" >/dev/null
	pgm -d "$URL" upgrade head
	expect_rc 1 "an overload of migrate_upgrade"
	expect_err_has "schema \"public\" holds functions that are not the migrate extension's: migrate_upgrade(text,integer)"
	expect_eq "001" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")" "nothing ran"
	# checked before the first call: a command that calls none of the extension's functions reads on
	pgm -d "$URL" current
	expect_rc 0 "current calls no function of the extension"
	expect_out_has "001"
fi
finish
