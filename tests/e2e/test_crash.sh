#!/usr/bin/env bash
# e2e_noext
# The server stopped with `pg_ctl stop -m immediate` (a crash: no shutdown checkpoint, crash
# recovery at the next start) while a revision runs. After the restart the version, the log and
# the schema are those from before the interrupted transaction, and a rerun of `upgrade head`
# completes. This test starts a cluster of its own (the shared one serves the other tests) and
# always stops it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
STAGE=${E2E_STAGE:-$(dirname "$E2E_CLUSTER")/stage}
CLUSTER_PARENT=$(mktemp -d /tmp/pgmigrate-crash.XXXXXX)
chmod 755 "$CLUSTER_PARENT"
CLUSTER=$CLUSTER_PARENT/cluster
CLUSTER_SH="$E2E_SOURCE_DIR/scripts/cluster.sh"
trap 'cd / && "$CLUSTER_SH" stop "$CLUSTER" >/dev/null 2>&1; rm -rf "$CLUSTER_PARENT" "$WORK"' EXIT

as_pg() {
	if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

PORT=$(cd / && "$CLUSTER_SH" start "$CLUSTER" "$STAGE") || { echo "cannot start a cluster" >&2; exit 1; }
BASE_URL="postgresql://postgres@127.0.0.1:$PORT"

crash() {
	as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -m immediate -w stop >/dev/null
}
# The same options cluster.sh starts it with.
restart() {
	as_pg "$PG_BINDIR/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 60 \
		-o "-p $PORT -k $CLUSTER -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c extension_destdir=$(realpath -m "$STAGE")" \
		start >/dev/null
}

SLEEP="SELECT pg_sleep(coalesce(nullif(current_setting('e2e.sleep', true), ''), '0')::float8);"
mkdir migrations
rev migrations/20260101_0000_001_t1.sql 001 none "t1" "CREATE TABLE t1 (id int);" "DROP TABLE t1;"
rev migrations/20260101_0001_002_t2.sql 002 001 "t2, slow" "CREATE TABLE t2 (id int);
$SLEEP" "DROP TABLE t2;"
rev migrations/20260101_0002_003_t3.sql 003 002 "t3" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"

# crash_inside_002 URL ARGS...: runs pgmigrate with 002 sleeping, crashes the server while it
# sleeps, restarts it; sets RC/OUT/ERR from the client.
crash_inside_002() {
	local url=$1 sleeping=
	shift
	PGOPTIONS="-c e2e.sleep=60" "$PGMIGRATE" -d "$url" "$@" >"$WORK/slow.out" 2>"$WORK/slow.err" </dev/null &
	local job=$!
	for _ in $(seq 200); do
		sleeping=$(sql "$BASE_URL/postgres" "SELECT count(*) FROM pg_stat_activity WHERE datname = '${url##*/}' AND wait_event = 'PgSleep'")
		[[ $sleeping == 1 ]] && break
		sleep 0.1
	done
	[[ $sleeping == 1 ]] && pass || fail "the run reached the sleep in 002"
	crash
	wait "$job"
	RC=$? OUT=$(cat "$WORK/slow.out") ERR=$(cat "$WORK/slow.err")
	restart
	grep -q "database system was interrupted\|database system was not properly shut down" "$CLUSTER/server.log" &&
		pass || fail "the restart ran crash recovery"
}

# 1. One transaction from 001: after the crash, nothing of 002, 001 as it was.
URL=$(new_db crash)
sql "$URL" "ALTER DATABASE \"${URL##*/}\" SET synchronous_commit = on" >/dev/null
pgm -d "$URL" upgrade 001
expect_rc 0
# upgrade 001 uploaded every file: the snapshot is of the stored state
db_snapshot "$URL" "SELECT 'tables', string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname ~ '^t[0-9]$'" >"$WORK/before"
crash_inside_002 "$URL" upgrade head
expect_rc 1 "the client reports the lost connection"
expect_err_has "FAILED:"
expect_unchanged "$WORK/before" "$URL" "after a crash inside one transaction" \
	"SELECT 'tables', string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname ~ '^t[0-9]$'"
pgm -d "$URL" upgrade head
expect_rc 0 "rerun completes"
expect_out "$(printf 'Running upgrade 001 -> 002, t2, slow\nRunning upgrade 002 -> 003, t3')"

# 2. One commit per revision (synchronous commits, so a commit is a commit across a crash): 001
#    stays committed, 002 leaves nothing, the log has exactly 001.
URL=$(new_db crash_per)
sql "$URL" "ALTER DATABASE \"${URL##*/}\" SET synchronous_commit = on" >/dev/null
crash_inside_002 "$URL" upgrade head --transaction-per-revision
expect_rc 1 "per revision: the client reports the lost connection"
expect_eq "001" "$(sql "$URL" "SELECT revision FROM migrate.version")" "001 committed before the crash"
expect_eq "001 upgrade" "$(sql "$URL" "SELECT string_agg(revision || ' ' || direction, ',') FROM migrate.log")" "log: 001 only"
expect_eq "t1" "$(sql "$URL" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname ~ '^t[0-9]$'")" "only 001's table"
pgm -d "$URL" upgrade head --transaction-per-revision
expect_rc 0 "per revision: rerun completes"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "at head"
expect_eq "001,002,003" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log")" "each revision logged once"

finish
