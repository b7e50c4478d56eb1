#!/usr/bin/env bash
# e2e_noext
# While another migrator holds the lock: say so once, wait, and give up after --lock-wait.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
URL=$(new_db main)
pgm -d "$URL" upgrade 001
expect_rc 0

# hold_lock SECONDS: another session holds the migration lock (a lock on migrate.version that
# only the state's owner may take) for that long; sets pid and HOLDER_JOB.
hold_lock() {
	"$PSQL" -XqAt "$URL" -c "SELECT pg_backend_pid()" \
		-c "BEGIN; LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE; SELECT pg_sleep($1); COMMIT" \
		>"$WORK/holder.out" 2>&1 &
	HOLDER_JOB=$!
	for _ in $(seq 100); do
		[[ $(sql "$URL" "SELECT count(*) FROM pg_locks WHERE relation = 'migrate.version'::regclass AND mode = 'ShareRowExclusiveLock' AND granted") == 1 ]] && break
		sleep 0.1
	done
	pid=$(head -1 "$WORK/holder.out")
}

# A role that may only read the state takes every lock it can on it, and the advisory key that
# migrate 0.2.0 locked: no migrator waits for it.
sql "$BASE_URL/postgres" "DO \$\$ BEGIN CREATE ROLE e2e_lock_reader LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null 2>&1
READER=${URL/\/\/*@/\/\/e2e_lock_reader@}
"$PSQL" -XqAt "$READER" -c "BEGIN; LOCK TABLE migrate.version IN ACCESS SHARE MODE; SELECT pg_advisory_lock(1835624306); SELECT pg_sleep(30)" \
	>/dev/null 2>&1 &
READER_JOB=$!
for _ in $(seq 100); do
	[[ $(sql "$URL" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1835624306 AND granted") == 1 ]] && break
	sleep 0.1
done
pgm -d "$URL" --lock-wait 2 upgrade 002
expect_rc 0 "a reader's locks keep no migrator out"
[[ $ERR != *"Waiting for another"* ]] && pass || fail "waited for a reader: $ERR"
expect_eq "002" "$(sql "$URL" "SELECT revision FROM migrate.version")" "migrated past the reader"
pgm -d "$URL" downgrade 001
expect_rc 0
"$PSQL" -XqAt "$READER" -c "BEGIN; LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE; COMMIT" >/dev/null 2>"$WORK/reader.err"
grep -q "permission denied for table version" "$WORK/reader.err" && pass || fail "a reader may not take the lock: $(cat "$WORK/reader.err")"
kill "$READER_JOB" 2>/dev/null
wait "$READER_JOB" 2>/dev/null

hold_lock 30
pgm -d "$URL" --lock-wait 1 upgrade head
expect_rc 1 "gives up after --lock-wait"
expect_err_has "Waiting for another migration to finish (pid $pid)..."
expect_err_has "FAILED: timed out after 1 s waiting for another migration to finish (pid $pid)"
expect_err_has "--lock-wait"
expect_eq "001" "$(sql "$URL" "SELECT revision FROM migrate.version")" "nothing changed"
kill "$HOLDER_JOB" 2>/dev/null
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$HOLDER_JOB" 2>/dev/null

hold_lock 2
start=$(date +%s)
pgm -d "$URL" upgrade head
expect_rc 0 "waits for the other migrator, then runs"
expect_err_has "Waiting for another migration to finish (pid $pid)..."
[[ $(grep -c "Waiting for another" <<<"$ERR") == 1 ]] && pass || fail "the waiting message is printed once"
expect_out_has "Running upgrade 002 -> 003, create t3"
(($(date +%s) - start >= 1)) && pass || fail "it waited"
wait "$HOLDER_JOB" 2>/dev/null

# the per-revision and client-run modes wait the same way
hold_lock 30
pgm -d "$URL" --lock-wait 1 downgrade base --transaction-per-revision
expect_rc 1 "per-revision mode waits for the lock too"
expect_err_has "(pid $pid)"
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$HOLDER_JOB" 2>/dev/null

# the upload waits too (migrate_add takes the lock)
rev migrations/20260101_0003_004_new.sql 004 003 "new" "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
hold_lock 30
pgm -d "$URL" --lock-wait 1 stamp head
expect_rc 1 "uploading waits for the lock"
expect_err_has "Waiting for another migration to finish (pid $pid)..."
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$HOLDER_JOB" 2>/dev/null
pgm -d "$URL" upgrade head
expect_rc 0
expect_out "Running upgrade 003 -> 004, new"

# a holder across commits that dies while another migrator waits: the waiter sees it gone (its
# transaction's pg_stat_activity snapshot is refreshed) and goes on
"$PSQL" -XqAt "$URL" -c "SELECT pg_backend_pid()" -c "SELECT pg_sleep(30)" >"$WORK/dying.out" 2>&1 &
DYING_JOB=$!
for _ in $(seq 50); do [[ -s "$WORK/dying.out" ]] && break; sleep 0.1; done
dying=$(head -1 "$WORK/dying.out")
sql "$URL" "INSERT INTO migrate.lock_holder (pid, backend_start, revision) SELECT pid, backend_start, '004' FROM pg_stat_activity WHERE pid = $dying" >/dev/null
"$PGMIGRATE" -d "$URL" --lock-wait 20 downgrade 003 >"$WORK/w.out" 2>"$WORK/w.err" &
w=$!
sleep 2
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($dying)" >/dev/null
wait "$DYING_JOB" 2>/dev/null
start=$(date +%s)
wait $w
RC=$? ERR=$(cat "$WORK/w.err")
expect_rc 0 "the waiter goes on once the holder has died"
expect_err_has "Waiting for another migration to finish (pid $dying)..."
(($(date +%s) - start < 10)) && pass || fail "it went on at once, not at --lock-wait"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "downgraded past the dead holder"
pgm -d "$URL" upgrade head
expect_rc 0

# two migrators at once: one applies, the other finds nothing to do
rev migrations/20260101_0004_005_slow.sql 005 004 "slow" "SELECT pg_sleep(1); CREATE TABLE t5 (id int);" "DROP TABLE t5;"
"$PGMIGRATE" -d "$URL" upgrade head >"$WORK/a.out" 2>"$WORK/a.err" &
a=$!
"$PGMIGRATE" -d "$URL" upgrade head >"$WORK/b.out" 2>"$WORK/b.err" &
b=$!
wait $a
ra=$?
wait $b
rb=$?
expect_eq "0 0" "$ra $rb" "both migrators succeed"
expect_eq "1" "$(cat "$WORK/a.out" "$WORK/b.out" | grep -c 'Running upgrade 004 -> 005, slow')" "005 applied exactly once"
expect_eq "1" "$(sql "$URL" "SELECT count(*) FROM migrate.log WHERE revision = '005'")" "one log row"

# ... also while the one that holds the lock runs CREATE INDEX CONCURRENTLY outside a
# transaction: the waiting client polls between statements and holds no snapshot, so the
# index build does not wait for it (no deadlock, no hang)
rev migrations/20260101_0005_006_cic.sql 006 005 "slow index" "SELECT pg_sleep(1);
CREATE INDEX CONCURRENTLY t1_id_idx ON t1 (id);" "DROP INDEX CONCURRENTLY t1_id_idx;" "-- transactional: false"
"$PGMIGRATE" -d "$URL" upgrade head >"$WORK/a.out" 2>"$WORK/a.err" &
a=$!
sleep 0.5
"$PGMIGRATE" -d "$URL" upgrade head >"$WORK/b.out" 2>"$WORK/b.err" &
b=$!
wait $a
ra=$?
wait $b
rb=$?
expect_eq "0 0" "$ra $rb" "both migrators succeed around CREATE INDEX CONCURRENTLY"
expect_eq "1" "$(cat "$WORK/a.out" "$WORK/b.out" | grep -c 'Running upgrade 005 -> 006, slow index')" "006 applied once"
# the one that ran 006 held the lock across its commits (migrate.lock_holder), so the other waited
# instead of planning 006 again
[[ $(cat "$WORK/a.err" "$WORK/b.err") == *"Waiting for another migration to finish (pid "* ]] && pass ||
	fail "the second migrator waited: $(cat "$WORK/a.err" "$WORK/b.err")"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM migrate.lock_holder")" "the hold ended with the recorded step"
expect_eq "t" "$(sql "$URL" "SELECT indisvalid FROM pg_index WHERE indexrelid = 't1_id_idx'::regclass")" "valid index"

# At the heads, `upgrade head` is answered by the upload's one-row check (client/sync.cpp) and
# does not wait for the lock: a deploy that starts its app is not held up by a migrator that has
# nothing for it. What is not yet committed by the holder is not seen, so this is the order
# "this no-op, then the holder's work".
hold_lock 30
for target in head heads; do
	pgm -d "$URL" --lock-wait 1 upgrade $target
	expect_rc 0 "upgrade $target at the heads while the lock is held"
	[[ $ERR != *"Waiting for another"* ]] && pass || fail "upgrade $target at the heads does not wait: $ERR"
done
pgm -d "$URL" --lock-wait 1 upgrade 005
expect_rc 1 "an explicit target goes to the engine, which waits for the lock"
expect_err_has "Waiting for another migration to finish (pid $pid)..."
sql "$BASE_URL/postgres" "SELECT pg_terminate_backend($pid)" >/dev/null
wait "$HOLDER_JOB" 2>/dev/null

finish
