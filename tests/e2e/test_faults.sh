#!/usr/bin/env bash
# A failing statement anywhere in a plan leaves the database exactly as it was before the call:
# the same pg_dump --schema-only, the same version, log and revision rows. With one commit per
# revision, exactly the revisions before the failing one stay. And a pg_dump of a migrated
# database restores into a fresh one with the whole migration state.
# Runs in both modes (label e2e_noext: client mode, where the state tables are plain tables).
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# A four-revision project touching several kinds of objects; each step reversible.
project() {
	mkdir -p "$1"
	rev "$1/20260101_0000_001_orgs.sql" 001 none "orgs" \
		"CREATE TABLE orgs (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO orgs VALUES (1, 'one');" "DROP TABLE orgs;"
	rev "$1/20260101_0001_002_teams.sql" 002 001 "teams" \
		"CREATE TABLE teams (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs);
CREATE INDEX teams_org_id_idx ON teams (org_id);
ALTER TABLE orgs ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();" \
		"ALTER TABLE orgs DROP COLUMN created_at;
DROP TABLE teams;"
	rev "$1/20260101_0002_003_funcs.sql" 003 002 "functions" \
		"CREATE FUNCTION org_name(int) RETURNS text LANGUAGE sql AS \$\$ SELECT name FROM orgs WHERE id = \$1 \$\$;
CREATE VIEW org_names AS SELECT id, org_name(id) FROM orgs;
CREATE SEQUENCE ticket_seq;" \
		"DROP SEQUENCE ticket_seq;
DROP VIEW org_names;
DROP FUNCTION org_name(int);"
	rev "$1/20260101_0003_004_types.sql" 004 003 "types" \
		"CREATE TYPE mood AS ENUM ('ok', 'bad');
CREATE TABLE moods (org_id int REFERENCES orgs, mood mood);
COMMENT ON TABLE moods IS 'moods';" \
		"DROP TABLE moods;
DROP TYPE mood;"
}

# The snapshot (lib.sh) of the schema and state tables, plus the data of one table.
ORGS="SELECT 'orgs', * FROM orgs ORDER BY id"

project good
# break DIR REV STATEMENT [SECTION]: a copy of the good project whose revision REV ends its upgrade
# (or downgrade) with a failing statement, after all of its own DDL has run.
break_rev() {
	local dir=$1 id=$2 stmt=$3 section=${4:-upgrade}
	rm -rf "$dir"
	cp -r good "$dir"
	local file
	file=$(ls "$dir"/*_"${id}"_*.sql)
	if [[ -z $stmt ]]; then
		return
	elif [[ $section == upgrade ]]; then
		sed -i "/^-- migrate:downgrade/i $stmt" "$file"
	else
		echo "$stmt" >>"$file"
	fi
}

# 1. One transaction (the default): a failure in any revision undoes the whole plan, also the
#    revisions before it, from base and from the middle.
for failing in 001 002 003 004; do
	URL=$(new_db "tx_${failing}")
	break_rev "p$failing" "$failing" "SELECT 1 / (SELECT count(*) - count(*) FROM orgs);"
	for start in base 001; do
		[[ $start == 001 && $failing == 001 ]] && continue
		if [[ $start != base ]]; then
			pgm -d "$URL" --dir "p$failing" upgrade "$start"
			expect_rc 0 "setup: upgrade to $start"
		fi
		# a first attempt uploads the files (read-only commands upload nothing) and fails: the
		# snapshot is of the stored state
		pgm -d "$URL" --dir "p$failing" upgrade head
		db_snapshot "$URL" "$ORGS" >"$WORK/before"
		pgm -d "$URL" --dir "p$failing" upgrade head
		expect_rc 1 "revision $failing fails (from $start)"
		expect_err_has "division by zero"
		expect_err_has "revision $failing (upgrade)"
		expect_unchanged "$WORK/before" "$URL" "after a failure in $failing from $start" "$ORGS"
		# and the same through SQL, in the caller's transaction (the extension's function)
		[[ -n $NOEXT ]] && continue
		"$PSQL" -XqAt "$URL" -c "SELECT * FROM migrate_upgrade('head')" >/dev/null 2>"$WORK/psql.err"
		grep -q "division by zero" "$WORK/psql.err" && pass || fail "SQL upgrade fails: $(cat "$WORK/psql.err")"
		expect_unchanged "$WORK/before" "$URL" "after a failed SELECT migrate_upgrade() ($failing from $start)" "$ORGS"
	done
done

# 2. Other ways to fail: a verify section returning false, a lock_timeout, a constraint violation in
#    a later revision, a syntax error (caught before the first step), a failing downgrade.
URL=$(new_db kinds)
REF=$(new_db kinds_ref)
pgm -d "$URL" --dir good upgrade 002
expect_rc 0
pgm -d "$REF" --dir good upgrade 002
expect_rc 0

break_rev verify 003 "" # a plain copy, then a verify section that fails
printf -- '-- migrate:verify\nSELECT count(*) = 42 FROM orgs;\n' >>verify/*_003_*.sql
pgm -d "$URL" --dir verify stamp 002 # uploads the files and changes nothing: the snapshot is of the stored state
db_snapshot "$URL" "$ORGS" >"$WORK/before"
pgm -d "$URL" --dir verify upgrade head
expect_rc 1 "verify returns false"
expect_err_has "verify section of revision 003 failed"
expect_unchanged "$WORK/before" "$URL" "after a failing verify" "$ORGS"

break_rev locked 004 ""
sed -i 's/^-- message: types$/-- message: types\n-- lock_timeout: 200ms/' locked/*_004_*.sql
pgm -d "$URL" --dir locked stamp 002 # uploads the files and changes nothing: the snapshot is of the stored state
db_snapshot "$URL" "$ORGS" >"$WORK/before"
"$PSQL" -XqAt "$URL" -c "BEGIN" -c "LOCK TABLE orgs IN ROW EXCLUSIVE MODE" -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do
	[[ $(sql "$URL" "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'orgs' AND l.granted") -ge 1 ]] && break
	sleep 0.1
done
pgm -d "$URL" --dir locked --lock-retries 0 upgrade head # no retry: the timeout fails at once
expect_rc 1 "lock_timeout of revision 004"
expect_err_has "lock timeout"
expect_unchanged "$WORK/before" "$URL" "after a lock timeout in 004 (003 ran before it)" "$ORGS"
kill "$holder" 2>/dev/null
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${URL##*/}' AND query LIKE '%pg_sleep(20)%'" >/dev/null
wait "$holder" 2>/dev/null

break_rev violation 004 "INSERT INTO moods VALUES (999, 'ok');"
pgm -d "$URL" --dir violation stamp 002 # uploads the files and changes nothing: the snapshot is of the stored state
db_snapshot "$URL" "$ORGS" >"$WORK/before"
pgm -d "$URL" --dir violation upgrade head
expect_rc 1 "foreign key violation in 004"
expect_err_has "violates foreign key constraint"
expect_unchanged "$WORK/before" "$URL" "after a constraint violation" "$ORGS"

break_rev syntax 004 "CREATE TABLE oops (;"
pgm -d "$URL" --dir syntax stamp 002 # uploads the files and changes nothing: the snapshot is of the stored state
db_snapshot "$URL" "$ORGS" >"$WORK/before"
pgm -d "$URL" --dir syntax upgrade head
expect_rc 1 "syntax error in 004"
expect_err_has "syntax error"
expect_out_lacks "Running upgrade 002 -> 003" # split before the first step
expect_unchanged "$WORK/before" "$URL" "after a syntax error" "$ORGS"

expect_same_schema "$URL" "$REF" "after four failed upgrades, the schema is that of 002"

break_rev down 002 "SELECT 1 / 0;" downgrade
URL=$(new_db down)
pgm -d "$URL" --dir down upgrade head
expect_rc 0
db_snapshot "$URL" "$ORGS" >"$WORK/before"
pgm -d "$URL" --dir down downgrade base
expect_rc 1 "downgrade of 002 fails"
expect_err_has "revision 002 (downgrade)"
expect_unchanged "$WORK/before" "$URL" "after a failing downgrade (004 and 003 were undone before it)" "$ORGS"

# 3. One commit per revision: the revisions before the failing one stay, exactly as if the plan
#    had stopped there; the failing one leaves nothing. A rerun after the fix completes.
for failing in 002 004; do
	PER=$(new_db "per_$failing")
	REF=$(new_db "per_ref_$failing")
	break_rev "per$failing" "$failing" "SELECT 1 / 0;"
	pgm -d "$PER" --dir "per$failing" upgrade head --transaction-per-revision
	expect_rc 1 "per revision, $failing fails"
	prev=$(printf '%03d' $((10#$failing - 1)))
	expect_eq "$prev" "$(sql "$PER" "SELECT revision FROM migrate.version")" "committed up to $prev"
	expect_eq "$(seq -f '%03g' 1 $((10#$prev)) | paste -sd,)" \
		"$(sql "$PER" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log")" "one log row per committed revision"
	pgm -d "$REF" --dir good upgrade "$prev"
	expect_same_schema "$PER" "$REF" "per revision, failing $failing: schema of $prev"
	pgm -d "$PER" --dir good upgrade head --transaction-per-revision
	expect_rc 0 "rerun after the fix"
	expect_eq "004" "$(sql "$PER" "SELECT revision FROM migrate.version")" "at head after the rerun"
done

# 4. pg_dump of a migrated database, restored into a fresh database (plain SQL through psql, and
#    the custom format through pg_restore into a database that already has the extension): the
#    same current revision, history and log; the log's sequence continues; upgrade head is a
#    no-op; the state still downgrades from the stored SQL.
SRC=$(new_db dump_src)
pgm -d "$SRC" --dir good upgrade 003
expect_rc 0
pgm -d "$SRC" --dir good downgrade 002
pgm -d "$SRC" --dir good upgrade head
pgm -d "$SRC" --dir good stamp 003
pgm -d "$SRC" --dir good stamp 004
state() {
	if [[ -z $NOEXT ]]; then
		"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$1" -c "SELECT * FROM migrate_current()" -c "SELECT * FROM migrate_history(true)"
	else # no SQL functions in client mode: what pgmigrate reads from the state tables
		"$PGMIGRATE" -d "$1" --dir good current --verbose | grep -v "^Current revision(s) for" && "$PGMIGRATE" -d "$1" --dir good history --verbose
	fi
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$1" \
		-c "SELECT * FROM migrate.log ORDER BY id" -c "SELECT * FROM migrate.revisions ORDER BY revision"
}
state "$SRC" >"$WORK/src.state"
[[ $(grep -c . "$WORK/src.state") -gt 10 ]] && pass || fail "source state is not empty"
"$PG_BINDIR/pg_dump" "$SRC" >"$WORK/dump.sql"
"$PG_BINDIR/pg_dump" -Fc "$SRC" >"$WORK/dump.custom"
if [[ -z $NOEXT ]]; then
	grep -q "^CREATE EXTENSION IF NOT EXISTS migrate" "$WORK/dump.sql" && pass || fail "the dump creates the extension"
else
	grep -q "^CREATE TABLE migrate.version" "$WORK/dump.sql" && pass || fail "the dump holds the client's state tables"
fi

PLAIN=$(new_db restored_plain --no-extension)
"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$PLAIN" -f "$WORK/dump.sql" >/dev/null 2>"$WORK/restore.err"
expect_eq "0" "$?" "psql restores the plain dump: $(cat "$WORK/restore.err")"
CUSTOM=$(new_db restored_custom)
"$PG_BINDIR/pg_restore" --exit-on-error -d "$CUSTOM" "$WORK/dump.custom" 2>"$WORK/restore.err"
expect_eq "0" "$?" "pg_restore into a database with the extension: $(cat "$WORK/restore.err")"
for R in "$PLAIN" "$CUSTOM"; do
	if d=$(diff "$WORK/src.state" <(state "$R")); then pass; else fail "restored state differs:"$'\n'"$d"; fi
	expect_same_schema "$SRC" "$R" "restored schema"
	pgm -d "$R" --dir good upgrade head
	expect_rc 0 "upgrade head on the restored database"
	expect_out ""
	pgm -d "$R" --dir good check
	expect_rc 0 "check on the restored database"
	before_max=$(sql "$R" "SELECT max(id) FROM migrate.log")
	pgm -d "$R" downgrade 003 # no --dir: the database's own copy of the SQL
	expect_rc 0 "downgrade from the restored revisions"
	expect_out "Running downgrade 004 -> 003, types"
	expect_eq "004 downgrade" "$(sql "$R" "SELECT revision || ' ' || direction FROM migrate.log WHERE id > $before_max")" \
		"the log's sequence continues after the restored rows"
done

finish
