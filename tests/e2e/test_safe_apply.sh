#!/usr/bin/env bash
# Lock-safe apply: a session keeps a table locked in an open transaction while an application
# queries it every 20 ms; a migration that ALTERs that table waits at most lock_timeout per
# attempt, so the application never stalls longer than that, retries on its own and finishes
# soon after the blocker ends; the waits name the blocker. Through pgmigrate (extension and client
# mode) and from psql. Without a lock timeout the same run stalls the application throughout;
# with too few retries it fails cleanly, naming the blocker.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir migrations
rev migrations/20260101_0000_001_agents.sql 001 none "agents" "CREATE TABLE agents (id int); INSERT INTO agents VALUES (1);" "DROP TABLE agents;"
rev migrations/20260101_0001_002_column.sql 002 001 "column" "ALTER TABLE agents ADD COLUMN c int;" "ALTER TABLE agents DROP COLUMN c;"
now() { date +%s.%N; }
elapsed() { python3 -c "print(round(($2) - ($1), 2))"; }

# block URL SECONDS: a session named "blocker" holds ACCESS SHARE on agents, idle in transaction.
block() {
	{
		echo "BEGIN; SELECT count(*) FROM agents;"
		sleep "$2"
		echo "COMMIT;"
	} | PGAPPNAME=blocker "$PSQL" -XqAt "$1" >/dev/null &
	BLOCKER=$!
	for _ in $(seq 50); do
		sql "$1" "SELECT pid FROM pg_stat_activity WHERE application_name = 'blocker' AND state = 'idle in transaction'" >blocker.pid
		[[ -s blocker.pid ]] && return
		sleep 0.1
	done
}
# app URL SECONDS FILE: one session running SELECT on agents every 20 ms; each query's time (ms) in FILE.
app() {
	local n
	n=$(python3 -c "print(int($2 / 0.03))")
	{
		echo '\timing on'
		for ((i = 0; i < n; i++)); do
			echo "SELECT count(*) FROM agents;"
			echo "SELECT pg_sleep(0.02);"
		done
	} | PGAPPNAME=app "$PSQL" -XqAt "$1" 2>&1 | grep -A1 -x '1' | grep -oE '^Time: [0-9.]+' | awk '{ print $2 }' >"$3" &
	APP=$!
}
max_of() { sort -n "$1" | tail -1; }

# scenario NAME URL COMMAND...: blocker for 8 s, the application, then the migration (COMMAND);
# sets MIGRATION_RC, its output in NAME.out, NAME.err, its end relative to the blocker's end
# (AFTER_END, s), and the application's worst query (WORST, ms).
BLOCK=8
scenario() {
	local name=$1 url=$2
	shift 2
	block "$url" "$BLOCK"
	local blocked_at
	blocked_at=$(now)
	app "$url" $((BLOCK + 3)) "$name.app"
	sleep 0.5
	"$@" >"$name.out" 2>"$name.err"
	MIGRATION_RC=$?
	local done_at
	done_at=$(now)
	wait "$BLOCKER" "$APP"
	AFTER_END=$(elapsed "$blocked_at + $BLOCK" "$done_at")
	WORST=$(max_of "$name.app")
}

# logged_waits URL LABEL: the audit row of 002 keeps every undone attempt's wait, in order, each
# naming the blocker (its pid, application and lock) and the statement; 001's row waited for nothing.
logged_waits() {
	local waits
	waits=$(sql "$1" "SELECT jsonb_array_length(lock_waits) > 1,
	                         bool_and((w->>'attempt')::int = n),
	                         bool_and(w->>'statement' LIKE 'ALTER TABLE agents ADD%'),
	                         bool_and(w->>'lock_timeout' = '500ms'),
	                         bool_and(w->'blockers' @> jsonb_build_array(jsonb_build_object(
	                             'pid', $(cat blocker.pid), 'application_name', 'blocker',
	                             'mode', 'AccessShareLock', 'relation', 'public.agents')))
	                  FROM migrate.log, jsonb_array_elements(lock_waits) WITH ORDINALITY AS x(w, n)
	                  WHERE revision = '002' GROUP BY lock_waits")
	expect_eq "t|t|t|t|t" "$waits" "$2: the log keeps 002's waits and their blocker"
	expect_eq "" "$(sql "$1" "SELECT lock_waits FROM migrate.log WHERE revision = '001'")" "$2: 001 waited for nothing"
}

for mode in extension client; do
	if [[ $mode == extension ]]; then
		db=$(new_db "$mode")
		flags=()
	else
		noext_role
		db=$(new_db "$mode" --no-extension)
		sql "$db" "ALTER DATABASE e2e_${TEST}_$mode OWNER TO $NOEXT_ROLE; ALTER SCHEMA public OWNER TO $NOEXT_ROLE"
		db="postgresql://$NOEXT_ROLE@127.0.0.1:$PORT/e2e_${TEST}_$mode"
		flags=(--no-extension)
	fi
	pgm -d "$db" "${flags[@]}" upgrade 001
	expect_rc 0 "$mode: 001"
	scenario "$mode" "$db" "$PGMIGRATE" -d "$db" "${flags[@]}" upgrade head
	RC=$MIGRATION_RC OUT=$(cat "$mode.out") ERR=$(cat "$mode.err")
	expect_rc 0 "$mode: the migration finishes on its own"
	expect_eq "002" "$(sql "$db" "SELECT revision FROM migrate.version")" "$mode: at 002"
	python3 -c "import sys; sys.exit(0 if $WORST < 700 else 1)" && pass ||
		fail "$mode: the application's worst query took $WORST ms (lock_timeout 500ms + 200 ms)"
	python3 -c "import sys; sys.exit(0 if $AFTER_END < 12 else 1)" && pass ||
		fail "$mode: finished $AFTER_END s after the blocker ended"
	expect_err_has "waiting for a lock (lock_timeout 500ms, try 1 of 11): blocked by "
	expect_err_has "agents: pid $(cat blocker.pid) (AccessShareLock; app \"blocker\", idle in transaction for"
	expect_eq "1" "$(sql "$db" "SELECT count(*) FROM migrate.log WHERE revision = '002'")" "$mode: applied once"
	logged_waits "$db" "$mode"
done

# Bad settings are refused, naming them: the CLI's range, and client mode's own check of the
# session's value (the extension's GUC refuses it on connection).
pgm -d "$db" --no-extension --lock-retries 5000 current
expect_rc 2 "--lock-retries out of range"
PGOPTIONS="-c migrate.lock_retries=lots" pgm -d "$db" --no-extension downgrade 001
expect_rc 1 "an invalid migrate.lock_retries in the session"
expect_err_has 'invalid value for migrate.lock_retries: "lots"'
expect_eq "002" "$(sql "$db" "SELECT revision FROM migrate.version")" "nothing ran with a bad setting"

# From psql: the same call, the same retries, the NOTICE names the blocker.
db=$(new_db psql)
pgm -d "$db" upgrade 001 # uploads 002 as well
scenario psql "$db" "$PSQL" -Xq -v ON_ERROR_STOP=1 "$db" -c "SELECT revision FROM migrate_upgrade('head')"
RC=$MIGRATION_RC OUT=$(cat psql.out) ERR=$(cat psql.err)
expect_rc 0 "psql: migrate_upgrade finishes on its own"
expect_out_has "002"
python3 -c "import sys; sys.exit(0 if $WORST < 700 else 1)" && pass || fail "psql: the application's worst query took $WORST ms"
python3 -c "import sys; sys.exit(0 if $AFTER_END < 12 else 1)" && pass || fail "psql: finished $AFTER_END s after the blocker ended"
expect_err_has "NOTICE:  waiting for a lock (lock_timeout 500ms, try 1 of 11): blocked by public.agents: pid $(cat blocker.pid) (AccessShareLock; app \"blocker\""
logged_waits "$db" psql

# Without a lock timeout the application stalls behind the waiting ALTER for the blocker's life.
db=$(new_db off)
pgm -d "$db" upgrade 001
scenario off "$db" "$PGMIGRATE" -d "$db" --lock-timeout 0 upgrade head
RC=$MIGRATION_RC
expect_rc 0 "lock timeout off: the migration waits it out"
# (BLOCK - 4: the migration starts a moment after the blocker, later still on a loaded machine; any
# stall of seconds, against the 700 ms above, proves the point.)
python3 -c "import sys; sys.exit(0 if $WORST > ($BLOCK - 4) * 1000 else 1)" && pass ||
	fail "lock timeout off: the application's worst query took only $WORST ms"

# Too few retries: fails cleanly, naming the blocker; nothing applied.
db=$(new_db budget)
pgm -d "$db" upgrade 001
block "$db" 6
pgm -d "$db" --lock-retries 1 --lock-timeout 200ms upgrade head
wait "$BLOCKER"
expect_rc 1 "out of retries"
expect_err_has "FAILED: canceling statement due to lock timeout"
expect_err_has "Tried 2 times, each waiting up to lock_timeout 200ms."
expect_err_has "Blocked by: public.agents: pid $(cat blocker.pid)"
expect_err_has "app \"blocker\""
expect_eq "001" "$(sql "$db" "SELECT revision FROM migrate.version")" "nothing applied"
expect_eq "0" "$(sql "$db" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'agents' AND column_name = 'c'")" \
	"no column"


echo "safe_apply: $passed passed, $failed failed"
((failed == 0))
