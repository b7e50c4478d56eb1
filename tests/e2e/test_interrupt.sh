#!/usr/bin/env bash
# e2e_noext
# Interrupted runs: the backend terminated (pg_terminate_backend) or the client killed (SIGKILL)
# while a revision is running. Afterwards the version, the log and the schema agree with each
# other and with the state before the interrupted transaction, no lock is left behind, and a rerun
# of `upgrade head` completes.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# Revision 002 sleeps for e2e.sleep seconds (0 unless the run sets it through PGOPTIONS), after
# creating its table, so a run can be caught inside it; the rerun is the same files, no sleep.
SLEEP="SELECT pg_sleep(coalesce(nullif(current_setting('e2e.sleep', true), ''), '0')::float8);"
project() {
	mkdir -p "$1"
	rev "$1/20260101_0000_001_t1.sql" 001 none "t1" "CREATE TABLE t1 (id int);" "DROP TABLE t1;"
	rev "$1/20260101_0001_002_t2.sql" 002 001 "t2, slow" "CREATE TABLE t2 (id int);
$SLEEP
ALTER TABLE t1 ADD COLUMN b int;" "ALTER TABLE t1 DROP COLUMN b;
DROP TABLE t2;"
	rev "$1/20260101_0002_003_t3.sql" 003 002 "t3" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
}
project migrations

# start_slow URL ARGS...: pgmigrate in the background with revision 002 sleeping; waits until a
# backend of that database sleeps and sets SLEEPER to its pid, JOB to the client's.
start_slow() {
	local url=$1
	shift
	PGOPTIONS="-c e2e.sleep=60" "$PGMIGRATE" -d "$url" "$@" >"$WORK/slow.out" 2>"$WORK/slow.err" </dev/null &
	JOB=$!
	SLEEPER=
	for _ in $(seq 200); do
		SLEEPER=$(sql "$BASE_URL/postgres" "SELECT pid FROM pg_stat_activity WHERE datname = '${url##*/}' AND wait_event = 'PgSleep'")
		[[ -n $SLEEPER ]] && break
		sleep 0.1
	done
	[[ -n $SLEEPER ]] && pass || fail "the run reached the sleep in 002"
}

# wait_idle URL: until no backend other than ours is connected to the database (a killed client's
# backend may run on for a while).
wait_idle() {
	for _ in $(seq 300); do
		[[ $(sql "$BASE_URL/postgres" "SELECT count(*) FROM pg_stat_activity WHERE datname = '${1##*/}' AND pid <> pg_backend_pid()") == 0 ]] && return
		sleep 0.1
	done
	fail "backends of ${1##*/} did not go away"
}

expect_no_lock() {
	# A terminated backend releases its locks as it exits, which may take a moment.
	local q="SELECT (SELECT count(*) FROM pg_locks WHERE relation = 'migrate.version'::regclass AND mode <> 'AccessShareLock' AND pid <> pg_backend_pid()) + (SELECT count(*) FROM migrate.lock_holder h JOIN pg_stat_activity a USING (pid))"
	local n i
	for i in $(seq 50); do
		n=$(sql "$1" "$q")
		[[ $n == 0 ]] && break
		sleep 0.1
	done
	expect_eq "0" "$n" "no migration lock left, nor a live hold"
}

# A reference database per version, migrated without interruption, for schema comparisons.
declare -A REFS
for v in base 001 002 003; do
	REFS[$v]=$(new_db "ref_$v")
	pgm -d "${REFS[$v]}" upgrade "$v"
done

# expect_consistent URL: the version, the log and the schema tell the same story. Every upgrade
# in the log is a revision at or below the version, each exactly once (these databases only ever
# go up), and the schema is that of a database migrated to the version without interruption.
expect_consistent() {
	local url=$1 v
	v=$(sql "$url" "SELECT revision FROM migrate.version")
	local expected_log
	expected_log=$(case $v in "") echo "" ;; 001) echo "001" ;; 002) echo "001,002" ;; 003) echo "001,002,003" ;; esac)
	expect_eq "$expected_log" "$(sql "$url" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log WHERE direction = 'upgrade'")" \
		"log agrees with version [$v]"
	expect_same_schema "$url" "${REFS[${v:-base}]}" "schema agrees with version [$v]"
}

# 1. pg_terminate_backend inside 002, one transaction: nothing of 001 or 002 stays.
URL=$(new_db terminate)
pgm -d "$URL" stamp base # upload first (a stamp that changes nothing): the snapshot is of the stored state
db_snapshot "$URL" >"$WORK/before"
start_slow "$URL" upgrade head
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($SLEEPER)" >/dev/null
wait "$JOB"
RC=$? OUT=$(cat "$WORK/slow.out") ERR=$(cat "$WORK/slow.err")
expect_rc 1 "the client reports the terminated backend"
expect_err_has "FAILED:"
expect_err_has "terminat"
wait_idle "$URL"
expect_unchanged "$WORK/before" "$URL" "after pg_terminate_backend in one transaction"
expect_consistent "$URL"
expect_no_lock "$URL"
pgm -d "$URL" upgrade head
expect_rc 0 "rerun completes"
expect_out_has "Running upgrade 002 -> 003, t3"
expect_consistent "$URL"

# 2. pg_terminate_backend inside 002, one commit per revision: 001 stays, 002 leaves nothing.
URL=$(new_db terminate_per)
start_slow "$URL" upgrade head --transaction-per-revision
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($SLEEPER)" >/dev/null
wait "$JOB"
RC=$? OUT=$(cat "$WORK/slow.out") ERR=$(cat "$WORK/slow.err")
expect_rc 1 "per revision: the client reports the terminated backend"
wait_idle "$URL"
expect_eq "001" "$(sql "$URL" "SELECT revision FROM migrate.version")" "per revision: 001 committed"
expect_eq "" "$(sql "$URL" "SELECT to_regclass('t2')")" "per revision: nothing of 002"
expect_consistent "$URL"
expect_no_lock "$URL"
pgm -d "$URL" upgrade head --transaction-per-revision
expect_rc 0 "per revision: rerun completes"
expect_out "$(printf 'Running upgrade 001 -> 002, t2, slow\nRunning upgrade 002 -> 003, t3')"
expect_consistent "$URL"

# 3. The client killed with SIGKILL inside 002. Its backend finds out only when it next talks to
#    the client; whatever it did by then, the state must be consistent, and a rerun completes.
for mode in "" --transaction-per-revision; do
	URL=$(new_db "kill${mode:+_per}")
	pgm -d "$URL" stamp base # uploads, changes nothing: the snapshot is of the stored state
	db_snapshot "$URL" >"$WORK/before"
	PGOPTIONS="-c e2e.sleep=2" "$PGMIGRATE" -d "$URL" upgrade head $mode >/dev/null 2>&1 </dev/null &
	JOB=$!
	for _ in $(seq 200); do
		[[ -n $(sql "$BASE_URL/postgres" "SELECT pid FROM pg_stat_activity WHERE datname = '${URL##*/}' AND wait_event = 'PgSleep'") ]] && break
		sleep 0.1
	done
	kill -KILL "$JOB"
	wait "$JOB" 2>/dev/null
	wait_idle "$URL"
	expect_consistent "$URL"
	expect_no_lock "$URL"
	if [[ -z $mode ]]; then
		# one transaction: the client never sent COMMIT, so nothing stays
		expect_unchanged "$WORK/before" "$URL" "after SIGKILL of the client (one transaction)"
	fi
	pgm -d "$URL" upgrade head $mode
	expect_rc 0 "rerun after SIGKILL ${mode:-(one transaction)}"
	expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "at head after the rerun"
	expect_consistent "$URL"
done

# 4. A transactional: false revision interrupted half-way: its first statement stays committed,
#    the version stays at the revision before, the error says so, and a rerun (the statements are
#    idempotent) completes.
mkdir nontx
project nontx
rev nontx/20260101_0003_004_index.sql 004 003 "indexes" \
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS t1_id_idx ON t1 (id);
$SLEEP
CREATE INDEX CONCURRENTLY IF NOT EXISTS t3_id_idx ON t3 (id);" \
	"DROP INDEX CONCURRENTLY IF EXISTS t3_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS t1_id_idx;" "-- transactional: false"
URL=$(new_db nontx)
pgm -d "$URL" --dir nontx upgrade 003
expect_rc 0
start_slow "$URL" --dir nontx upgrade head
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($SLEEPER)" >/dev/null
wait "$JOB"
RC=$? OUT=$(cat "$WORK/slow.out") ERR=$(cat "$WORK/slow.err")
expect_rc 1 "transactional: false revision interrupted"
expect_err_has "revision 004"
expect_err_has "1 of its statements ran before this one and stay committed"
wait_idle "$URL"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version stays at 003"
expect_eq "001,002,003" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log")" "no log row for 004"
expect_eq "t1_id_idx" "$(sql "$URL" "SELECT to_regclass('t1_id_idx')")" "the statement before stays"
expect_no_lock "$URL"
pgm -d "$URL" --dir nontx upgrade head
expect_rc 0 "rerun completes"
expect_eq "004" "$(sql "$URL" "SELECT revision FROM migrate.version")" "at 004"
expect_eq "true,true" "$(sql "$URL" "SELECT string_agg(indisvalid::text, ',') FROM pg_index WHERE indexrelid IN ('t1_id_idx'::regclass, 't3_id_idx'::regclass)")" "both indexes valid"

finish
